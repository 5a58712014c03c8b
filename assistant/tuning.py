"""The one tuning object: every threshold and weight that affects what is retrieved and answered.

Similarities are cosines of all-MiniLM-L6-v2 vectors. The values were set on two independently written
corpora (the demo knowledge base and the calibration corpus beside the project), and each must hold on
both: a value that helps one and hurts the other is fitting a corpus. Built in the wiring module and
passed down; nothing else in the core carries a magic number that decides an answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Retrieval, evidence and composition knobs (see the README's "How answers are decided")."""

    # ---- retrieval ------------------------------------------------------------------------------
    candidates: int = 30  # candidates read from each ranking (dense and keyword) before fusion
    rrf_k: int = 60  # reciprocal rank fusion constant
    keyword_weight: float = 0.15  # weight of the normalised BM25 score in the rescored candidate list
    rrf_weight: float = 2.0  # weight of the fused rank (agreement of both rankings)
    client_prior: float = 0.05  # a client's documents step back for general questions, forward for theirs

    # ---- evidence: answer, or say the knowledge base does not -------------------------------------
    retrieval_floor: float = 0.25  # below this no chunk is related at all
    support_margin: float = 0.2  # chunks read for sentences: within this of the best chunk
    max_support: int = 6
    answer_min: float = 0.38  # similarity of the best sentence (read in its section) needed to answer
    approved_min: float = 0.72  # an answer-library question this close is reused verbatim
    restricted_min: float = 0.5  # out-of-scope evidence this strong makes a refusal "restricted"
    high: float = 0.80  # evidence score for high confidence (with two agreeing sources)
    medium: float = 0.70  # evidence score for medium confidence
    # ... and for either, the cited sources must outrank every source left out by this much fused
    # score (confident answers on both corpora led by 0.067 or more; the one confident wrong answer
    # led an unused document by 0.004).
    decisive_margin: float = 0.03
    same_statement: float = 0.62  # an older sentence this close to a newer one says the same thing
    # Offline evidence below this turns the model's "the sources do not answer" into not_found; at or
    # above it the offline answer stands one confidence step lower. Measured with a real local model
    # (Qwen2.5-Coder-1.5B) on both corpora: the offline answer was right in 22 of the 29 cases where the
    # model abstained, and every value above 0 lost more right answers than it refused wrong ones. A team
    # with a stronger model can measure its own with `deal-assistant eval llm`.
    abstention_not_found_below: float = 0.0

    # ---- composition ----------------------------------------------------------------------------
    ask_sentences: int = 4
    draft_sentences: int = 8
    section_margin: float = 0.22  # sentences of the anchor's section within this of the best one
    other_margin: float = 0.08  # sentences of other sections: only this close to the best one
    draft_margin: float = 0.3  # drafts read fuller from the anchor's section ...
    draft_other_margin: float = 0.25  # ... and from other sections
    value_margin: float = 0.3  # a sentence stating the kind of value asked for joins from this far below
    list_items: int = 8  # items that follow a sentence ending in ":" (a lead-in to a list)
    referenced_rows: int = 2  # table rows brought in because a shown sentence names them ("RPC-2")
    # A sentence's score is its similarity to the question (read in its section), plus:
    sentence_keyword_weight: float = 0.25  # ... this times the share of the question's terms it holds,
    sentence_chunk_weight: float = 0.05  # ... this times its chunk's similarity,
    sentence_value_bonus: float = 0.06  # ... and this when it states the kind of value asked for.
    # A sentence of the asked client's own documents gains this (retrieval's `client_prior` brings the
    # client's SOW into the candidates; here its sentence must still beat the library's general one:
    # "who's our account manager on the credit union deal?"). Both corpora hold from 0.10 to 0.15; at
    # 0.25 the demo refuses that question and calibration loses a draft's fact. General questions step
    # client sentences back by `client_prior` as before.
    sentence_client_prior: float = 0.12
    # Share of the question's terms that puts a sentence on topic: it may join from `section_margin`
    # even outside the anchor's section, and a negated anchor this on topic opens the answer "No:".
    on_topic_overlap: float = 0.5
    repeat_overlap: float = 0.8  # word overlap (Jaccard) at which two sentences say the same thing
    restates: float = 0.8  # ... or similarity at which one restates the other (when it adds no number)
    # A restatement in other words still shares a fifth of its words (every one seen on both corpora):
    # meaning is compared only above this overlap.
    restates_shared: float = 0.2

    # ---- a model's reply ------------------------------------------------------------------------
    grounded_share: float = 0.6  # share of a reply sentence's content words found in what it cites
    # A reply may lose up to this share of its sentences for unsupported wording (no source grounds the
    # sentence's words; its numbers and abbreviations were fine) and still be shown without them: small
    # models open drafts with an ungrounded line of proposal filler ("We protect PHI by adhering to ...").
    droppable_share: float = 1 / 3
