"""The answering core: retrieve within the request's scope, decide, compose a cited answer or a draft.

The core knows nothing of Slack, the terminal or the environment; the bot, the CLI and the evals call
`Assistant.ask` and `Assistant.draft` and read the `Answer` they return.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.access import forbidden_clients, mentions_any, name_pattern, scope_for
from assistant.catalog import client_key
from assistant.composing import Composition, render_cited, render_prose, select_sentences
from assistant.freshness import is_overdue, prefer_newest, review_notes
from assistant.models import Answer, Audience, Citation, Confidence, Request, ScoredChunk, Status
from assistant.retrieval import Retrieval, Retriever

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

Mode = Literal["ask", "draft"]
_FOLLOW_UP = re.compile(
    r"^(what|how)\s+about\b|^(and|also|same|ok|okay)\b|\b(it|that|those|this|them|they)\b", re.I
)


@dataclass(frozen=True)
class Calibration:
    """Evidence thresholds on cosine similarity (all-MiniLM-L6-v2), calibrated on the demo evals.

    `answer_min` separates answerable from unanswerable questions; `approved_min` is how close an
    answer-library row's question must be to reuse its approved answer; `high`/`medium` grade confidence.
    """

    retrieval_floor: float = 0.25
    answer_min: float = 0.42
    approved_min: float = 0.72
    restricted_min: float = 0.5
    high: float = 0.60
    medium: float = 0.45
    support_margin: float = 0.2
    max_support: int = 6
    ask_sentences: int = 4
    draft_sentences: int = 8
    sentence_margin: float = 0.2
    draft_margin: float = 0.35  # RFP answers are fuller than a Slack reply


class Assistant:
    """Answers questions and drafts RFP responses from one knowledge-base version."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        clock: Callable[[], dt.date] = dt.date.today,
        chat_model: BaseChatModel | None = None,
        top_k: int = 8,
        calibration: Calibration | None = None,
    ) -> None:
        self.retriever = retriever
        self.clock = clock
        self.chat_model = chat_model
        self.top_k = top_k
        self.calibration = calibration or Calibration()

    # ---- public API ------------------------------------------------------------------------
    def ask(self, request: Request) -> Answer:
        """Answer a question with citations, or say plainly that the knowledge base does not answer it."""
        return self._respond(request, "ask")

    def draft(self, request: Request) -> Answer:
        """Write an RFP-ready answer in proposal voice for `request.client`, sources listed under it."""
        return self._respond(request, "draft")

    def known_clients(self) -> list[str]:
        """Client names that appear in the knowledge base's metadata."""
        return self.retriever.clients()

    # ---- pipeline --------------------------------------------------------------------------
    def _respond(self, request: Request, mode: Mode) -> Answer:
        query = retrieval_query(request)
        scope = scope_for(request)
        retrieval = self.retriever.retrieve(query, scope, self.top_k)
        guard = name_pattern(forbidden_clients(request, self.known_clients()))
        if mentions_any(request.question, guard):
            return self._restricted(request, mode, retrieval)
        visible = [s for s in retrieval.chunks if not mentions_any(s.chunk.text, guard)]
        best = visible[0].similarity if visible else 0.0
        base = Answer(
            mode=mode,
            question=request.question,
            status=Status.ANSWERED,
            answer="",
            retrieved=retrieval.chunks,
            audience=request.audience,
            client=request.client,
        )
        if best < self.calibration.retrieval_floor:
            return self._not_found(base, request, retrieval, visible)

        current, fresh_notes = prefer_newest(visible, self.retriever.superseded())
        fresh_notes = self._client_notes(request) + fresh_notes
        if not current:
            return self._not_found(base, request, retrieval, visible)
        support = self._support(current)
        composition, evidence = self._compose(request.question, retrieval, support, mode)
        if evidence < self.calibration.answer_min or not (composition.sentences or composition.approved):
            return self._not_found(base, request, retrieval, visible)
        answer = self._finish(base, composition, evidence, fresh_notes, mode)
        if self.chat_model is not None:
            from assistant.generating import generate_answer

            answer = generate_answer(self.chat_model, request, answer, support, guard, self._citation)
        return answer

    def _client_notes(self, request: Request) -> list[str]:
        """Say so when the named client has no documents (a prospect, or a misspelt name)."""
        if not request.client:
            return []
        known = {client_key(c) for c in self.known_clients()}
        if client_key(request.client) in known:
            return []
        return [
            f"No documents for the client '{request.client}' in the knowledge base: this uses offerings "
            "and approved answers only (check the spelling if it is an existing client)."
        ]

    def _support(self, visible: list[ScoredChunk]) -> list[ScoredChunk]:
        best = max(s.similarity for s in visible)
        floor = max(self.calibration.retrieval_floor, best - self.calibration.support_margin)
        return [s for s in visible if s.similarity >= floor][: self.calibration.max_support]

    def _compose(
        self, question: str, retrieval: Retrieval, support: list[ScoredChunk], mode: Mode
    ) -> tuple[Composition, float]:
        """Pick what to say, and how strong the evidence is.

        Reuses the best approved answer-library row when its question matches; adds the strongest other
        sentences. The evidence is the similarity of the best single sentence (read in its section or
        under its library question) to the question, or the approved row's match.
        """
        cal = self.calibration
        approved = next(
            (s for s in support if s.chunk.kind == "qa" and s.similarity >= cal.approved_min), None
        )
        limit = cal.draft_sentences if mode == "draft" else cal.ask_sentences
        embed = self.retriever.embedder.embed_cached
        margin = cal.draft_margin if mode == "draft" else cal.sentence_margin
        selection = select_sentences(question, retrieval.vector, support, embed, limit, margin)
        sentences = selection.sentences
        evidence = selection.best_similarity
        if approved:
            evidence = max(evidence, approved.similarity)
            sentences = [s for s in sentences if s.chunk is not approved][: max(0, limit - 2)]
        return Composition(sentences, approved=approved), evidence

    def _finish(
        self, base: Answer, composition: Composition, evidence: float, notes: list[str], mode: Mode
    ) -> Answer:
        cited = composition.cited()
        text = render_prose(composition) if mode == "draft" else render_cited(composition)
        citations = [self._citation(i + 1, s) for i, s in enumerate(cited)]
        return base.model_copy(
            update={
                "answer": text,
                "citations": citations,
                "notes": notes + review_notes(citations),
                "confidence": self._confidence(composition, evidence, cited),
            }
        )

    def _citation(self, number: int, s: ScoredChunk) -> Citation:
        meta = s.chunk.meta
        section = s.chunk.heading_path
        if s.chunk.row is not None:
            section = f"{section} (row {s.chunk.row})" if section else f"row {s.chunk.row}"
        return Citation(
            number=number,
            source=s.chunk.source,
            title=meta.title,
            section=section,
            effective_date=meta.effective_date,
            review_by=meta.review_by,
            review_overdue=is_overdue(meta.review_by, self.clock()),
            chunk_id=s.chunk.id,
        )

    def _confidence(self, composition: Composition, evidence: float, cited: list[ScoredChunk]) -> Confidence:
        """Graded from retrieval evidence, never self-rated: an approved answer or a close sentence match
        with agreeing sources is high; a fair match is medium; anything weaker is low."""
        cal = self.calibration
        sources = {s.chunk.source for s in cited}
        if composition.approved or (evidence >= cal.high and len(sources) >= 2):
            return Confidence.HIGH
        if evidence >= cal.medium:
            return Confidence.MEDIUM
        return Confidence.LOW

    def _restricted(self, request: Request, mode: Mode, retrieval: Retrieval) -> Answer:
        """A refusal that names nothing out of scope (not even the nearest documents)."""
        return Answer(
            mode=mode,
            question=request.question,
            status=Status.RESTRICTED,
            answer=restricted_message(request),
            retrieved=retrieval.chunks,
            audience=request.audience,
            client=request.client,
        )

    def _not_found(
        self, base: Answer, request: Request, retrieval: Retrieval, visible: list[ScoredChunk]
    ) -> Answer:
        scope = scope_for(request)
        if not scope.unrestricted:
            wider = self.retriever.retrieve(
                retrieval.query, scope_for(Request(question=request.question)), 3, vector=retrieval.vector
            )
            in_scope = {v.chunk.id for v in visible}
            best_in_scope = max((v.similarity for v in visible), default=0.0)
            outside = [w for w in wider.chunks if w.chunk.id not in in_scope]
            if outside and outside[0].similarity >= max(self.calibration.restricted_min, best_in_scope):
                return self._restricted(request, base.mode, retrieval)
        nearest: list[str] = []
        for s in visible:
            if s.chunk.meta.title not in nearest:
                nearest.append(s.chunk.meta.title)
        nearest = nearest[:3]
        text = "The knowledge base does not answer this."
        if nearest:
            text += " Nearest documents: " + "; ".join(nearest) + "."
        if base.mode == "draft":
            text = "No approved answer: needs an expert. " + text
        return base.model_copy(update={"status": Status.NOT_FOUND, "answer": text, "nearest": nearest})


def restricted_message(request: Request) -> str:
    if request.audience is Audience.EXTERNAL:
        return (
            "This is covered only in internal or client-confidential documents, which can't be shared in "
            "a channel with external guests. Ask in an internal channel or a DM."
        )
    return (
        f"This is covered only in another client's confidential documents, which can't be used for "
        f"{request.client}."
    )


def retrieval_query(request: Request) -> str:
    """The question, with the previous question prepended when it reads as a follow-up."""
    previous = [
        t.text for t in request.history if t.role == "user" and t.text.strip() != request.question.strip()
    ]
    if previous and (_FOLLOW_UP.search(request.question) or len(request.question.split()) <= 5):
        return f"{previous[-1]} {request.question}"
    return request.question
