"""The answering core: work out what is asked, retrieve within the request's scope, decide, compose.

A message may hold several questions; each part is answered on its own evidence, or gets an explicit
"the knowledge base does not say", or "can't be shared here" when only restricted documents answer it.
The core knows nothing of Slack, the terminal or the environment; the bot, the CLI and the evals call
`Assistant.ask` and `Assistant.draft` and read the `Answer` they return.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Literal

from assistant.answering.access import (
    forbidden_clients,
    mentions_any,
    name_pattern,
    partial_name_pattern,
    scope_for,
)
from assistant.answering.assembling import (
    CONFIDENCE_ORDER,
    PartResult,
    interleaved,
    not_found_answer,
    paragraph,
    restricted_message,
    unique_chunks,
    verdict,
)
from assistant.answering.composing import (
    Composition,
    Selecting,
    Selection,
    not_restating,
    select_sentences,
    whole_passages,
    with_referenced_rows,
)
from assistant.answering.questions import (
    QuestionPart,
    asked_text,
    asks_for_client_names,
    is_specific,
    numbers_in,
    question_parts,
    salient_terms,
    value_asked,
)
from assistant.freshness import (
    Supersession,
    is_overdue,
    replaced_note,
    review_notes,
    superseded_note,
    visible_supersessions,
)
from assistant.models import (
    Answer,
    Audience,
    Citation,
    Confidence,
    DocType,
    Note,
    NoteKind,
    Request,
    ScoredChunk,
    Status,
)
from assistant.retrieval.retriever import Prior, Retrieval, Retriever, Scope
from assistant.text import client_key
from assistant.tuning import Tuning

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

Mode = Literal["ask", "draft"]
_FOLLOW_UP = re.compile(
    r"^(what|how)\s+about\b|^(and|also|same|ok|okay)\b|\b(it|that|those|this|them|they)\b", re.I
)
_REFERS_BACK = re.compile(r"\b(?:there|they|them|their|it|its|that|those|he|she)\b", re.I)

TextSink = Callable[[str], None]
"""Receives the model's text as it streams, one piece at a time (raw, citation markers included)."""


@dataclass(frozen=True)
class Staged:
    """An answer in two steps (see `Assistant.staged`).

    `offline` is final when `refine` is None. Otherwise `refine(on_text)` calls the chat model, streaming
    its raw text to `on_text` if given, and returns what is finally shown: the model's answer if it passes
    the grounding checks, else `offline` with `fallback_reason` saying why it stands. Text streamed to
    `on_text` is not checked yet; a caller that shows it must replace it with what `refine` returns.
    """

    offline: Answer
    refine: Callable[[TextSink | None], Answer] | None = None

    def final(self) -> Answer:
        """Both steps, without streaming."""
        return self.refine(None) if self.refine is not None else self.offline


@dataclass(frozen=True)
class Context:
    """What the whole request shares: scope, name guard and the retrieval prior (computed once)."""

    request: Request
    mode: Mode
    scope: Scope
    guard: re.Pattern[str] | None
    prior: Prior
    client_names: re.Pattern[str] | None  # every client name (known, and the request's): never "unknown"


class Assistant:
    """Answers questions and drafts RFP responses from one knowledge-base version."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        clock: Callable[[], dt.date] = dt.date.today,
        chat_model: BaseChatModel | None = None,
        top_k: int = 8,
        tuning: Tuning | None = None,
    ) -> None:
        self.retriever = retriever
        self.clock = clock
        self.chat_model = chat_model
        self.top_k = top_k
        self.tuning = tuning or Tuning()

    # ---- public API ------------------------------------------------------------------------
    def ask(self, request: Request) -> Answer:
        """Answer a question with citations, or say plainly that the knowledge base does not answer it."""
        return self.staged(request, "ask").final()

    def draft(self, request: Request) -> Answer:
        """Write an RFP-ready answer in proposal voice for `request.client`, sources listed under it."""
        return self.staged(request, "draft").final()

    def staged(self, request: Request, mode: Mode = "ask") -> Staged:
        """The answer in two steps: the offline answer at once, and (when a chat model is configured and
        the offline answer is one answered part) `refine`, which calls the model and returns the checked
        result. The bot shows the first while the second runs; `ask` and `draft` simply run both."""
        return self._respond(request, mode)

    def known_clients(self) -> list[str]:
        """Client names that appear in the knowledge base's metadata."""
        return self.retriever.clients()

    # ---- pipeline --------------------------------------------------------------------------
    def _respond(self, request: Request, mode: Mode) -> Staged:
        known = self.known_clients()
        guard = name_pattern(forbidden_clients(request, known))
        names = name_pattern([c for c in [*known, request.client] if c])
        context = Context(request, mode, scope_for(request), guard, self._prior(request, known), names)
        query = retrieval_query(request)
        asked = asked_text(query)
        parts = question_parts(asked) if query == request.question else [question_parts(asked)[0]]
        results: list[PartResult] = []
        for part in parts:
            context_restricted = (
                results
                and results[-1].status is Status.RESTRICTED
                and (_REFERS_BACK.search(part.text) or not results[-1].part.text.rstrip().endswith("?"))
            )
            if context_restricted:
                results.append(PartResult(part, Status.RESTRICTED))  # "...Alderbrook's. How many are there?"
            else:
                results.append(self._answer_part(context, part, results[-1].part if results else None))
        answer = self._assemble(context, results)
        model = self.chat_model
        if model is None or answer.status is not Status.ANSWERED or len(results) != 1:
            return Staged(answer)
        support, forbidden = results[0].support, forbidden_clients(request, known)

        def refine(on_text: TextSink | None = None) -> Answer:
            from assistant.answering.generating import generate_answer

            return generate_answer(
                model,
                request,
                answer,
                support,
                guard,
                self._citation,
                forbidden_clients=forbidden,
                on_text=on_text,
                abstention_not_found_below=self.tuning.abstention_not_found_below,
                grounded_share=self.tuning.grounded_share,
                droppable_share=self.tuning.droppable_share,
            )

        return Staged(answer, refine)

    def _prior(self, request: Request, known: list[str]) -> Prior:
        """General questions prefer general documents; a client's question prefers that client's."""
        about = request.client
        if about is None and request.audience is Audience.INTERNAL:
            named = [c for c in known if mentions_any(request.question, partial_name_pattern(c))]
            about = named[0] if len(named) == 1 else None
            codes = [t for t in salient_terms(request.question) if any(ch.isdigit() for ch in t)]
            if about is None and codes:
                about = self.retriever.client_of(codes[0])
        general = not is_specific(request.question)
        return Prior(client_key(about) if about else None, self.tuning.client_prior, general)

    def _answer_part(
        self, context: Context, part: QuestionPart, previous: QuestionPart | None = None
    ) -> PartResult:
        """One question of the message; `previous` is the one before it, read with it when this one
        refers back ("... and what's the longest an insurer could stretch it?")."""
        request, cal = context.request, self.tuning
        query = f"{previous.text} {part.text}" if previous and _REFERS_BACK.search(part.text) else part.text
        if mentions_any(part.text, context.guard) or (
            request.audience is Audience.EXTERNAL and asks_for_client_names(part.text)
        ):
            return PartResult(part, Status.RESTRICTED)
        retrieval = self.retriever.retrieve(query, context.scope, self.top_k, prior=context.prior)
        # The SOW playbook is the deal desk's negotiating data (fallback language, owners), not an answer.
        visible = [
            s
            for s in retrieval.chunks
            if s.chunk.doc_type is not DocType.PLAYBOOK and not _names_forbidden(s, context.guard)
        ]
        unknown = [
            t
            for t in salient_terms(part.text)
            if not mentions_any(t, context.client_names) and self.retriever.term_frequency(t) == 0
        ]
        result = PartResult(part, Status.NOT_FOUND, visible=visible, missing_terms=unknown)
        if unknown or not visible or visible[0].similarity < cal.retrieval_floor:
            return self._refusal(context, result, retrieval)
        visible, replaced = self._current_editions(context, visible)
        result.visible = visible
        if not visible:
            return self._refusal(context, result, retrieval)
        support = self._support(visible)
        newer = self._successors(context, support, retrieval.vector)
        have = {s.chunk.id for s in support}
        support += [n for chunks in newer.values() for n in chunks if n.chunk.id not in have]
        selection, approved = self._select(context, part, retrieval, support, newer)
        score = selection.best_similarity
        if approved is not None:
            score = max(score, approved.similarity)
        result.score = score
        if score < cal.answer_min or not (selection.sentences or approved):
            return self._refusal(context, result, retrieval)

        def document(source: str) -> list[ScoredChunk]:
            return [
                c
                for c in self.retriever.chunks_of(source, retrieval.vector, 1000)
                if not _names_forbidden(c, context.guard)
            ]

        sentences = with_referenced_rows(selection.sentences, document, cal.referenced_rows)
        support = unique_chunks(support + [s.chunk for s in sentences])  # a row brought in is cited
        if approved is not None:
            sentences = [s for s in sentences if s.chunk is not approved][: max(0, self._limit(context) - 2)]
        composition = Composition(
            whole_passages(sentences),
            approved=approved,
            approved_also=selection.approved_also,
            verdicts=part.kind == "yes_no",
        )
        result.status = Status.ANSWERED
        result.composition = composition
        result.support = support
        result.visible = current_first(
            visible + [s for s in support if s not in visible], selection.given_way
        )
        wants = value_asked(part.text)
        shown = [s.text for s in sentences] + ([approved.chunk.text] if approved else [])
        answers_kind = wants is None or any(wants.search(t) for t in shown)
        clear = decisive(visible, composition, selection.given_way, cal.decisive_margin)
        result.confidence = self._confidence(composition, score, approved is not None, answers_kind and clear)
        result.notes = replaced + [self._superseded_note(s, support) for s in selection.superseded]
        result.message = verdict(part, selection, approved, self.tuning.on_topic_overlap)
        return result

    def _limit(self, context: Context) -> int:
        return self.tuning.draft_sentences if context.mode == "draft" else self.tuning.ask_sentences

    def _select(
        self,
        context: Context,
        part: QuestionPart,
        retrieval: Retrieval,
        support: list[ScoredChunk],
        newer: dict[str, list[ScoredChunk]],
    ) -> tuple[Selection, ScoredChunk | None]:
        cal = self.tuning
        draft = context.mode == "draft"
        how = Selecting(
            limit=self._limit(context),
            section_margin=cal.draft_margin if draft else cal.section_margin,
            other_margin=cal.draft_other_margin if draft else cal.other_margin,
            list_items=cal.list_items,
            wants=value_asked(part.text),
            value_margin=cal.value_margin,
            same_statement=cal.same_statement,
            keyword_weight=cal.sentence_keyword_weight,
            chunk_weight=cal.sentence_chunk_weight,
            value_bonus=cal.sentence_value_bonus,
            on_topic=cal.on_topic_overlap,
            repeat_overlap=cal.repeat_overlap,
            restates=cal.restates,
            restates_shared=cal.restates_shared,
            prior=partial(context.prior.adjustment, own=cal.sentence_client_prior),
        )
        embed = self.retriever.embedder.embed_cached
        selection = select_sentences(part.text, retrieval.vector, support, embed, how, newer)
        # An approved answer is reused only for the same question: close in meaning, and every number
        # the question states ("SOC 1", "ISO 27701") is in the row ("SOC 2" is another certification).
        asked_numbers = numbers_in(part.text)
        approved = next(
            (
                s
                for s in support
                if s.chunk.kind == "qa"
                and s.similarity >= cal.approved_min
                and s.chunk.source not in newer
                and asked_numbers <= numbers_in(s.chunk.text)
            ),
            None,
        )
        if approved is not None:  # shown whole: the other sentences must add to it
            others = [s for s in selection.sentences if s.chunk is not approved]
            kept, restating = not_restating(others, approved, embed, how)
            selection = replace(selection, sentences=kept, approved_also=tuple(restating))
        return selection, approved

    def _active_supersessions(self, context: Context) -> dict[str, Supersession]:
        scope = context.scope
        return visible_supersessions(self.retriever.supersessions(), scope.confidentiality, scope.client_keys)

    def _current_editions(
        self, context: Context, visible: list[ScoredChunk]
    ) -> tuple[list[ScoredChunk], list[Note]]:
        """Leave out earlier editions of re-issued documents (when the newer edition may be read)."""
        active = self._active_supersessions(context)
        kept = [s for s in visible if not (s.chunk.source in active and active[s.chunk.source].reissue)]
        notes = {
            s.chunk.source: replaced_note(s.chunk.meta.title, active[s.chunk.source])
            for s in visible
            if s not in kept
        }
        return kept, list(notes.values())

    def _successors(
        self, context: Context, support: list[ScoredChunk], vector: np.ndarray
    ) -> dict[str, list[ScoredChunk]]:
        """For each superseded document among the support, the newer document's closest chunks."""
        active = self._active_supersessions(context)
        out: dict[str, list[ScoredChunk]] = {}
        for source in dict.fromkeys(s.chunk.source for s in support):
            if source in active:
                chunks = self.retriever.chunks_of(active[source].new, vector, 3)
                out[source] = [c for c in chunks if not _names_forbidden(c, context.guard)]
        return out

    def _superseded_note(self, old_source: str, support: list[ScoredChunk]) -> Note:
        s = self.retriever.supersessions()[old_source]
        title = next((c.chunk.meta.title for c in support if c.chunk.source == old_source), old_source)
        return superseded_note(title, s)

    def _support(self, visible: list[ScoredChunk]) -> list[ScoredChunk]:
        best = max(s.similarity for s in visible)
        floor = max(self.tuning.retrieval_floor, best - self.tuning.support_margin)
        return [s for s in visible if s.similarity >= floor][: self.tuning.max_support]

    def _confidence(
        self, composition: Composition, score: float, approved: bool, answers_kind: bool
    ) -> Confidence:
        """Graded from evidence, never self-rated: an approved library answer, or a strong match whose
        sources agree, is high; a strong match that has the kind of answer asked for (a number for "how
        many") and whose sources outrank every source it left out is medium; anything weaker is low,
        and needs review."""
        cal = self.tuning
        # Sources agree where one states what another does (the repeat is cited beside it, "[1][2]").
        agreed = any(c.chunk.source != s.chunk.chunk.source for s in composition.sentences for c in s.also)
        if approved or (score >= cal.high and agreed and answers_kind):
            return Confidence.HIGH
        if score >= cal.medium and answers_kind:
            return Confidence.MEDIUM
        return Confidence.LOW

    def _refusal(self, context: Context, result: PartResult, retrieval: Retrieval) -> PartResult:
        """Not found, or restricted when only documents out of this request's scope answer it."""
        if not context.scope.unrestricted and not result.missing_terms:
            wider = self.retriever.retrieve(
                retrieval.query, scope_for(Request(question=result.part.text)), 3, vector=retrieval.vector
            )
            in_scope = {v.chunk.id for v in result.visible}
            best_in_scope = max((v.similarity for v in result.visible), default=0.0)
            outside = [w for w in wider.chunks if w.chunk.id not in in_scope]
            if outside and outside[0].similarity >= max(self.tuning.restricted_min, best_in_scope):
                result.status = Status.RESTRICTED
                return result
        result.status = Status.NOT_FOUND
        return result

    # ---- assembling the answer ---------------------------------------------------------------
    def _assemble(self, context: Context, results: list[PartResult]) -> Answer:
        request, mode = context.request, context.mode
        answered = [r for r in results if r.status is Status.ANSWERED]
        visible = unique_chunks(interleaved([r.visible for r in results]))
        base = Answer(
            mode=mode,
            question=request.question,
            status=Status.ANSWERED,
            answer="",
            retrieved=visible,
            audience=request.audience,
            client=request.client,
        )
        if not answered:
            if any(r.status is Status.RESTRICTED for r in results):
                refusal = {"status": Status.RESTRICTED, "answer": restricted_message(request)}
                return base.model_copy(update=refusal)
            return not_found_answer(base, results)
        said_before(answered)
        compositions = [r.composition for r in answered if r.composition]
        cited = unique_chunks([c for comp in compositions for c in comp.cited()])
        number = {c.chunk.id: n for n, c in enumerate(cited, start=1)}
        paragraphs: list[str] = []
        for r in results:
            paragraphs.append(paragraph(context.mode, r, number, len(results) > 1))
        citations = [self._citation(i + 1, s) for i, s in enumerate(cited)]
        notes = self._client_notes(request) + [n for r in answered for n in r.notes]
        confidence = min((r.confidence for r in answered if r.confidence), key=CONFIDENCE_ORDER.__getitem__)
        if len(answered) < len(results) and confidence is Confidence.HIGH:
            confidence = Confidence.MEDIUM
        return base.model_copy(
            update={
                "answer": "\n\n".join(p for p in paragraphs if p),
                "citations": citations,
                "notes": list(dict.fromkeys(notes + review_notes(citations))),
                "confidence": confidence,
                "evidence": min((r.score for r in answered if r.score is not None), default=None),
            }
        )

    def _client_notes(self, request: Request) -> list[Note]:
        """Say so when the named client has no documents (internal audiences only: to a guest it would
        confirm which client names exist)."""
        if not request.client or request.audience is Audience.EXTERNAL:
            return []
        known = {client_key(c) for c in self.known_clients()}
        if client_key(request.client) in known:
            return []
        text = (
            f"No documents for the client '{request.client}' in the knowledge base: this uses offerings "
            "and approved answers only (check the spelling if it is an existing client)."
        )
        return [Note(kind=NoteKind.UNKNOWN_CLIENT, text=text)]

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


def decisive(
    visible: list[ScoredChunk], composition: Composition, given_way: dict[str, ScoredChunk], margin: float
) -> bool:
    """True when the sources an answer cites outrank, by `margin` of fused score, every source it left
    out. A document the answer did not use, retrieved as strongly as the one it did, means retrieval
    could not tell which of the two answers (an inbound mailroom's hours beside the print plant's for
    "when do the envelopes go out"): the answer may be right, but it needs a person to check.
    An older chunk whose statements gave way to a newer one (`given_way`: its chunk id -> the newer
    chunk) counts as cited where the newer one is."""
    cited = {c.chunk.source for c in composition.cited()}

    def used(s: ScoredChunk) -> bool:
        newer = given_way.get(s.chunk.id)
        return s.chunk.source in cited or (newer is not None and newer.chunk.source in cited)

    lead = max((s.score for s in visible if used(s)), default=0.0)
    rival = max((s.score for s in visible if not used(s)), default=0.0)
    return lead - rival >= margin


def _names_forbidden(s: ScoredChunk, guard: re.Pattern[str] | None) -> bool:
    """Whether anything shown of a chunk (text, title, section, sheet, path) names a forbidden client."""
    if guard is None:
        return False
    c = s.chunk
    shown = "\n".join(p for p in (c.text, c.meta.title, c.heading_path, c.sheet or "", c.source) if p)
    return mentions_any(shown.replace("-", " ").replace("_", " "), guard) or mentions_any(shown, guard)


def retrieval_query(request: Request) -> str:
    """The question, with the previous question prepended when it reads as a follow-up."""
    previous = [
        t.text for t in request.history if t.role == "user" and t.text.strip() != request.question.strip()
    ]
    if previous and (_FOLLOW_UP.search(request.question) or len(request.question.split()) <= 5):
        return f"{previous[-1]} {request.question}"
    return request.question


def current_first(chunks: list[ScoredChunk], given_way: dict[str, ScoredChunk]) -> list[ScoredChunk]:
    """Rank order with each older chunk whose statements gave way placed right after the newer chunk
    that states them now (brought in at the older chunk's place when retrieval ranked it lower or not
    at all): what is current comes before what it replaced, and everything else keeps its rank."""
    out: list[ScoredChunk] = []
    placed: set[str] = set()
    for s in chunks:
        newer = given_way.get(s.chunk.id)
        for c in (newer, s):
            if c is not None and c.chunk.id not in placed:
                out.append(c)
                placed.add(c.chunk.id)
    return out


def said_before(answered: list[PartResult]) -> None:
    """Each part shows only what no earlier part has shown (two questions of one message are often
    answered by the same passage): a part whose whole answer is above adds nothing."""
    shown: set[tuple[str, int]] = set()
    whole: set[str] = set()  # library answers shown whole
    for r in answered:
        if r.composition is None:
            continue
        comp = r.composition
        approved = comp.approved if comp.approved and comp.approved.chunk.id not in whole else None
        new = [s for s in comp.sentences if (s.chunk.chunk.id, s.order) not in shown]
        kept = whole_passages([s for s in new if s.chunk.chunk.id not in whole])
        shown.update((s.chunk.chunk.id, s.order) for s in kept)
        if approved is not None:
            whole.add(approved.chunk.id)
        if approved is not comp.approved or len(kept) < len(comp.sentences):
            r.composition = replace(comp, sentences=kept, approved=approved)
