"""The offline composer: an answer built only from retrieved text, each claim followed by its citation.

No language model: an approved answer-library row is reused verbatim when it matches; otherwise the
sentences (or table rows) most similar to the question are picked from the best chunks. Nothing is
paraphrased, so no number, name or claim can appear that is not in the cited text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answering.questions import numbers_in, salient_terms
from assistant.models import ScoredChunk
from assistant.text import keyword_terms, sentences_of
from assistant.tuning import Tuning

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_LOWER_OPENING = re.compile(r"[a-z][a-z'’-]*\b(?![A-Z])")
MIN_SENTENCE_CHARS = 25
_EMPHASIS = re.compile(r"\*\*|__|`")
_WRAPPED_EMPHASIS = re.compile(r"^[*_](\S(?:.*\S)?)[*_]([.!?]?)$")  # "*Managed print rooms.*"
_VERDICT = r"(?:[Yy]es|[Nn]o|YES|NO)"
_REPLY = re.compile(_VERDICT + r"\b[.,:;!]")  # a sentence opening with its verdict
# "No." / "Yes:" opening a sentence that goes on ("No. Every job is printed in our plants."); not
# "No. 5" (a number) and not "Yes, where ..." (the rest would be a fragment).
_OPENING_VERDICT = re.compile("^" + _VERDICT + r"[.:!]\s+(?=[A-Z])")
# A name set solid with its number ("T+2", "P1", "Tier-3"): the number is the value the name carries.
_NUMBERED_NAME = re.compile(r"(?<![\w+-])([A-Za-z]{1,5}[+-]?)(\d{1,3})(?![\w.,:%-]*\d)")


@dataclass(frozen=True)
class Sentence:
    text: str
    chunk: ScoredChunk
    order: int  # position within its chunk
    # Other sources that state the same thing (their sentence was left out as a repeat): cited beside it.
    also: tuple[ScoredChunk, ...] = ()
    item: bool = False  # a line of a list in its source ("- Salesforce Service Cloud")


@dataclass(frozen=True)
class Composition:
    """Selected sentences grouped by the chunk they cite, in reading order."""

    sentences: list[Sentence]
    approved: ScoredChunk | None = None  # an answer-library row reused verbatim
    approved_also: tuple[ScoredChunk, ...] = ()  # other sources that state what it says, cited beside it
    # Whether a sentence's own opening verdict ("No. Every job is ...") is shown: only in the answer to
    # a yes/no question. To "what share ...?" a passage's "No." answers a question nobody asked.
    verdicts: bool = True

    def cited(self) -> list[ScoredChunk]:
        """The chunks this composition cites, in order of first appearance (citation [1] first)."""
        chunks = [self.approved, *self.approved_also] if self.approved else []
        chunks += [c for s in self.sentences for c in (s.chunk, *s.also)]
        return list({c.chunk.id: c for c in chunks}.values())


def split_sentences(chunk: ScoredChunk) -> list[Sentence]:
    """Sentences of prose, rows of tables; Q&A rows give their answer's sentences."""
    return [u for u in _units(chunk) if len(u.text) >= MIN_SENTENCE_CHARS or any(c.isdigit() for c in u.text)]


def _units(chunk: ScoredChunk) -> list[Sentence]:
    """Every sentence or row of a chunk, short ones too, in order (a sentence's `order` indexes this)."""
    text = chunk.chunk.text
    if chunk.chunk.kind == "qa":
        text = text.split("\nA:", 1)[-1] if "\nA:" in text else text
    units: list[tuple[str, bool]] = []
    for line in text.split("\n"):
        bare = _BULLET.sub("", line).strip()
        if not bare:
            continue
        if chunk.chunk.kind == "table":
            units.append((bare, False))
        else:
            item = bare != line.strip()
            units += [(u, item) for u in _with_their_questions(sentences_of(bare))]
    return [Sentence(u, chunk, i, item=item) for i, (u, item) in enumerate(units)]


def _with_their_questions(units: list[str]) -> list[str]:
    """A reply that opens with its verdict ("Yes, where member consent allows it.") means nothing without
    the question it replies to: it stays with that question ("Can members opt out? Yes, where ...")."""
    out: list[str] = []
    for unit in units:
        if out and out[-1].endswith("?") and _REPLY.match(unit):
            out[-1] = f"{out[-1]} {unit}"
        else:
            out.append(unit)
    return out


def keyword_overlap(question: str, text: str) -> float:
    """Share of the question's content terms found in the text (stem-insensitive, crude)."""
    terms = keyword_terms(question)
    if not terms:
        return 0.0
    lowered = text.lower()
    return sum(1 for t in terms if t[:5] in lowered) / len(terms)


def sentence_context(sentence: Sentence) -> str:
    """What a sentence means in place: under its section heading, or after its library question."""
    chunk = sentence.chunk.chunk
    context = chunk.question if chunk.kind == "qa" else chunk.heading_path or chunk.meta.title
    return f"{context}: {sentence.text}" if context else sentence.text


@dataclass(frozen=True)
class Selection:
    sentences: list[Sentence]
    best_similarity: float  # how well the best sentence shown matches the question: the evidence
    anchor: Sentence | None = None  # the best sentence; the answer is built around its section
    superseded: tuple[str, ...] = ()  # older sources whose statements gave way to a newer document
    approved_also: tuple[ScoredChunk, ...] = ()  # sources restating the approved answer (see core)
    # chunk id of an older chunk whose statements gave way -> the newer chunk that states them now
    given_way: dict[str, ScoredChunk] = field(default_factory=dict)


@dataclass(frozen=True)
class Selecting:
    """How to pick sentences for one answer (from the tuning object, by mode and question kind)."""

    limit: int
    section_margin: float
    other_margin: float
    list_items: int
    wants: re.Pattern[str] | None = None  # the shape of the value asked for (see questions.value_asked)
    # The rest as in Tuning (whose defaults they take), which documents each one.
    value_margin: float = Tuning.value_margin
    same_statement: float = Tuning.same_statement
    keyword_weight: float = Tuning.sentence_keyword_weight
    chunk_weight: float = Tuning.sentence_chunk_weight
    value_bonus: float = Tuning.sentence_value_bonus
    on_topic: float = Tuning.on_topic_overlap
    repeat_overlap: float = Tuning.repeat_overlap
    restates: float = Tuning.restates
    restates_shared: float = Tuning.restates_shared
    prior: Callable[[str | None], float] | None = None  # client of a chunk -> score adjustment


def select_sentences(
    question: str,
    query_vector: np.ndarray,
    support: list[ScoredChunk],
    embed: Callable[[list[str]], np.ndarray],
    how: Selecting,
    newer_than: dict[str, list[ScoredChunk]] | None = None,
) -> Selection:
    """The sentences that answer the question, built around the best one, in reading order.

    The best sentence (read in its section) anchors the answer; more sentences of the same section
    follow while they stay close to it, and other sections add a sentence only when it is nearly as
    good and says something new. A sentence ending in ":" brings the list it introduces, and a list item
    the lead-in it continues. Statements of
    an older document that a newer one (`newer_than`: old source -> chunks of its successor) makes again
    give way to the newer document.
    """
    everything = [s for chunk in support for s in split_sentences(chunk)]
    candidates, superseded, replaced, given_way = _fresh(
        everything, newer_than or {}, embed, how.same_statement
    )
    if not candidates:
        return Selection([], 0.0)
    # Every sentence is scored once, the superseded ones too: a newer statement takes their score.
    all_sims, all_scores = _scores(question, query_vector, everything, embed, how)
    scored = {_key(s): (sim, score) for s, sim, score in zip(everything, all_sims, all_scores, strict=True)}
    sims = [scored[_key(c)][0] for c in candidates]
    scores = [scored[_key(c)][1] for c in candidates]
    _take_over(replaced, candidates, sims, scores, scored)
    ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])
    best = scores[ranked[0]]
    anchor = candidates[ranked[0]]

    def eligible(i: int) -> bool:
        close = scores[i] >= best - how.other_margin
        near = scores[i] >= best - how.section_margin
        on_topic = keyword_overlap(question, candidates[i].text) >= how.on_topic
        return close or (near and (_same_section(candidates[i], anchor) or on_topic))

    contenders = [i for i in ranked if eligible(i)]
    chosen: list[int] = []
    corroborated: dict[int, list[ScoredChunk]] = {}

    def alike(a: Sentence, b: Sentence) -> float:
        va, vb = embed([readable(a), readable(b)])  # as shown; cached, so each is embedded once
        return float(va @ vb)

    for i in contenders:
        if len(chosen) >= how.limit:
            break
        said = next(
            (j for j in chosen if _repeats(candidates[i], candidates[j], alike, how)),
            None,
        )
        if said is not None:
            # Said already, maybe in another source's words: that source is cited beside the first one.
            if candidates[i].chunk.chunk.id != candidates[said].chunk.chunk.id:
                corroborated.setdefault(said, []).append(candidates[i].chunk)
            continue
        chosen.append(i)
    if how.wants and not any(how.wants.search(candidates[i].text) for i in chosen):
        # The question asks for a value (a price, a time...): bring the best sentence that states one,
        # if it is still about the question.
        stating = next((i for i in ranked if how.wants.search(candidates[i].text)), None)
        if stating is not None and scores[stating] >= best - how.value_margin:
            chosen.append(stating)
    # Statements that gave way to newer ones never come back as a list's items.
    gone = {_key(s) for s in everything} - {_key(c) for c in candidates}
    picked = [_citing_also(candidates[i], corroborated.get(i, [])) for i in chosen]
    picked = _with_list_items(picked, candidates, how.list_items, gone)
    picked = _with_answer_openings(picked, candidates)
    evidence = [anchor, *picked]
    picked = _with_lead_ins(picked)
    # Reading order: the anchor's chunk first (the best sentence is the answer's opening source, [1]),
    # then the other chunks by rank.
    rank_of = {id(c): n for n, c in enumerate(support)}
    picked.sort(key=lambda s: (s.chunk.chunk.id != anchor.chunk.chunk.id, rank_of[id(s.chunk)], s.order))
    # The evidence is the best similarity among the sentences shown: the anchor leads on its score, which
    # adds keyword and value bonuses, so a sentence it brings along may match the question better.
    similarity = {_key(c): sims[i] for i, c in enumerate(candidates)}
    return Selection(
        picked,
        max(float(similarity[_key(s)]) for s in evidence if _key(s) in similarity),
        anchor=anchor,
        superseded=tuple(superseded),
        given_way=given_way,
    )


def _scores(
    question: str,
    query_vector: np.ndarray,
    sentences: list[Sentence],
    embed: Callable[[list[str]], np.ndarray],
    how: Selecting,
) -> tuple[list[float], list[float]]:
    """Each sentence's similarity to the question (read in its section) and its selection score."""
    sims = [float(x) for x in embed([sentence_context(s) for s in sentences]) @ query_vector]
    scores = [
        sim
        + how.keyword_weight * keyword_overlap(question, sentence_context(s))
        + how.chunk_weight * s.chunk.similarity
        + (how.value_bonus if how.wants and how.wants.search(s.text) else 0.0)
        + (how.prior(s.chunk.chunk.meta.client) if how.prior else 0.0)
        for sim, s in zip(sims, sentences, strict=True)
    ]
    return sims, scores


def _take_over(
    replaced: dict[tuple[str, int], list[Sentence]],
    candidates: list[Sentence],
    sims: list[float],
    scores: list[float],
    scored: dict[tuple[str, int], tuple[float, float]],
) -> None:
    """A newer statement takes the place of the older one it replaces: had the older document been
    current, its statement would have answered, so the newer one answers in its stead (its similarity
    and score are raised, in place, to the older sentence's; `scored` holds every sentence's pair)."""
    for i, sentence in enumerate(candidates):
        for older in replaced.get(_key(sentence), []):
            sim, value = scored[_key(older)]
            if value > scores[i]:
                scores[i], sims[i] = value, max(sims[i], sim)


def _same_section(a: Sentence, b: Sentence) -> bool:
    ca, cb = a.chunk.chunk, b.chunk.chunk
    if ca.id == cb.id:
        return True
    return ca.kind != "qa" and ca.source == cb.source and ca.heading_path == cb.heading_path


def _with_list_items(
    picked: list[Sentence], candidates: list[Sentence], limit: int, gone: set[tuple[str, int]]
) -> list[Sentence]:
    """A lead-in ("Ready-made connectors exist for:") is useless without the items that follow it."""

    def items(lead: Sentence) -> list[Sentence]:
        if not lead.text.rstrip().endswith(":"):
            return []
        following = {c.order: c for c in candidates if c.chunk is lead.chunk and c.order > lead.order}
        following.update((i.order, i) for i in _list_of(lead, gone))  # short items too ("Genesys Cloud CX")
        return [following[order] for order in sorted(following)][:limit]

    return _with_companions(picked, items)


def _list_of(lead: Sentence, gone: set[tuple[str, int]]) -> list[Sentence]:
    """The items that follow a lead-in in its chunk, up to the first line that is not an item (without
    those in `gone`: statements that gave way to a newer document)."""
    out: list[Sentence] = []
    for unit in _units(lead.chunk)[lead.order + 1 :]:
        if not is_list_item(unit):
            break
        if _key(unit) not in gone:
            out.append(unit)
    return out


def _with_answer_openings(picked: list[Sentence], candidates: list[Sentence]) -> list[Sentence]:
    """A library row's answer is read from its start: its opening sentence is usually the direct answer
    ("Negotiable items are not part of the standard service."), so a later sentence brings the ones
    before it."""

    def opening(later: Sentence) -> list[Sentence]:
        if later.chunk.chunk.kind != "qa":
            return []
        return [c for c in candidates if c.chunk is later.chunk and c.order < later.order]

    return _with_companions(picked, opening)


def is_list_item(sentence: Sentence) -> bool:
    """A line of a list: set as one in its source, or prose whose first word is all in lower case, which
    continues a lead-in where a format lost the list marks (a sentence opens with a capital; "eStatement"
    is a name)."""
    lower = bool(_LOWER_OPENING.match(sentence.text))
    return sentence.chunk.chunk.kind != "table" and (sentence.item or lower)


def _with_lead_ins(picked: list[Sentence]) -> list[Sentence]:
    """A list item shown alone is a fragment: it brings the lead-in it continues ("OnSite covers:"), the
    nearest earlier sentence of its chunk ending in ":" with only other items between them (not the rest
    of the list: the other items did not answer). The lead-in is context, not evidence: it does not count
    towards how well the answer matches the question."""

    def lead_in(item: Sentence) -> list[Sentence]:
        if not is_list_item(item):
            return []
        for earlier in reversed(_units(item.chunk)[: item.order]):  # short ones too: "OnSite covers:"
            if earlier.text.rstrip().endswith(":"):
                return [earlier]
            if not is_list_item(earlier):
                return []
        return []

    return _with_companions(picked, lead_in)


def whole_passages(sentences: list[Sentence]) -> list[Sentence]:
    """Without a lead-in whose list is not shown after it (its items were left out as repeats)."""
    return [
        s
        for n, s in enumerate(sentences)
        if not s.text.rstrip().endswith(":")
        or (n + 1 < len(sentences) and sentences[n + 1].chunk is s.chunk and sentences[n + 1].order > s.order)
    ]


def _with_companions(
    picked: list[Sentence], companions: Callable[[Sentence], list[Sentence]]
) -> list[Sentence]:
    """`picked` plus, after it, each picked sentence's companions not already there."""
    out = list(picked)
    seen = {(id(s.chunk), s.order) for s in out}
    for sentence in picked:
        for companion in companions(sentence):
            key = (id(companion.chunk), companion.order)
            if key not in seen:
                seen.add(key)
                out.append(companion)
    return out


def _key(s: Sentence) -> tuple[str, int]:
    return s.chunk.chunk.id, s.order


def _fresh(
    candidates: list[Sentence],
    newer_than: dict[str, list[ScoredChunk]],
    embed: Callable[[list[str]], np.ndarray],
    same_statement: float,
) -> tuple[list[Sentence], list[str], dict[tuple[str, int], list[Sentence]], dict[str, ScoredChunk]]:
    """Drop the sentences of superseded documents that their successor states again (in any words).

    Also returns which older sentences each newer sentence replaces (keyed by chunk id and position),
    and for each older chunk that lost a sentence, the newer chunk of the first one's replacement.
    """
    old = [s for s in candidates if s.chunk.chunk.source in newer_than]
    if not old:
        return candidates, [], {}, {}
    dropped: set[int] = set()
    superseded: dict[str, None] = {}
    replaced: dict[tuple[str, int], list[Sentence]] = {}
    given_way: dict[str, ScoredChunk] = {}
    for source in dict.fromkeys(s.chunk.chunk.source for s in old):
        newer = [n for chunk in newer_than[source] for n in split_sentences(chunk)]
        mine = [s for s in old if s.chunk.chunk.source == source]
        if not newer:
            continue
        similar = embed([s.text for s in mine]) @ embed([n.text for n in newer]).T
        matches = _same_subjects(mine, newer, embed, same_statement)
        renumbered = _renumbered(mine, newer)
        for s, row, same_subject, renumbering in zip(mine, similar, matches, renumbered, strict=True):
            match = same_subject or renumbering
            if float(row.max()) >= same_statement or match is not None:
                dropped.add(id(s))
                superseded.setdefault(source, None)
                newest = match or newer[int(row.argmax())]
                replaced.setdefault(_key(newest), []).append(s)
                given_way.setdefault(s.chunk.chunk.id, newest.chunk)
    return [s for s in candidates if id(s) not in dropped], list(superseded), replaced, given_way


def _same_subjects(
    old: list[Sentence], newer: list[Sentence], embed: Callable[[list[str]], np.ndarray], same: float
) -> list[Sentence | None]:
    """For each older table row, the newer row about the same thing (its subject cell saying the same,
    whatever the values say), or None: "Standard transactional mail: within 2 business days" gives way to
    "MailWorks standard transactional mail: the next business day" though the two rows read apart."""
    new_rows = [(n, subject) for n in newer if (subject := row_subject(n))]
    out: list[Sentence | None] = [None] * len(old)
    asked = [(i, subject) for i, s in enumerate(old) if (subject := row_subject(s))]
    if not asked or not new_rows:
        return out
    similar = embed([subject for _, subject in asked]) @ embed([subject for _, subject in new_rows]).T
    for (i, _), row in zip(asked, similar, strict=True):
        if float(row.max()) >= same:
            out[i] = new_rows[int(row.argmax())][0]
    return out


def _renumbered(old: list[Sentence], newer: list[Sentence]) -> list[Sentence | None]:
    """For each older sentence, a newer one giving one of its numbered names another number (the one
    number the newer text gives that name), or None: "the window is called T+2" gives way to "the next
    business day (T+1)". A name numbered several ways ("S-1" ... "S-6") is a list, not a value."""
    numbers: dict[str, tuple[set[str], Sentence]] = {}
    for n in newer:
        for name, number in _NUMBERED_NAME.findall(n.text):
            numbers.setdefault(name, (set(), n))[0].add(number)
    out: list[Sentence | None] = []
    for s in old:
        found = [(name, n) for name, n in _NUMBERED_NAME.findall(s.text) if name in numbers]
        other = next((numbers[name][1] for name, n in found if _renumbers(numbers[name][0], n)), None)
        out.append(other)
    return out


def _renumbers(newer_numbers: set[str], number: str) -> bool:
    return len(newer_numbers) == 1 and number not in newer_numbers


def row_subject(sentence: Sentence) -> str | None:
    """What a table row is about: its first cell in words (not a code or a number), None for prose."""
    cells = _row_cells(sentence)
    for value in _cell_values(cells or []):
        if sum(ch.isalpha() for ch in value) >= 3 and not any(ch.isdigit() for ch in value):
            return value
    return None


# A row's label as other text refers to it: "RPC-2", "S-4", "SL-01" (letters, a hyphen, a number).
_ROW_LABEL = re.compile(r"(?<![\w-])[A-Z]{1,5}-\d{1,3}(?![\w-])")


def with_referenced_rows(
    sentences: list[Sentence], chunks_of: Callable[[str], list[ScoredChunk]], most: int
) -> list[Sentence]:
    """A sentence that names a row of its own document's table by its label ("The cut-off in RPC-2 is
    earlier than ...") means little without the row: the row follows it (up to `most` rows in all)."""
    shown = {(s.chunk.chunk.id, s.order) for s in sentences}
    labels_shown = {
        (s.chunk.chunk.source, (_cell_values(_row_cells(s) or [""]) or [""])[0]) for s in sentences
    }
    out: list[Sentence] = []
    added = 0
    rows_by_source: dict[str, dict[str, Sentence]] = {}
    for sentence in sentences:
        out.append(sentence)
        source = sentence.chunk.chunk.source
        for label in dict.fromkeys(_ROW_LABEL.findall(sentence.text)):
            if added >= most or (source, label) in labels_shown:
                continue
            if source not in rows_by_source:
                rows_by_source[source] = _labelled_rows(chunks_of(source))
            row = rows_by_source[source].get(label)
            if row is None or (row.chunk.chunk.id, row.order) in shown:
                continue
            out.append(row)
            shown.add((row.chunk.chunk.id, row.order))
            labels_shown.add((source, label))
            added += 1
    return out


def _labelled_rows(chunks: list[ScoredChunk]) -> dict[str, Sentence]:
    """The table rows of a document by the label in their first cell ("Ref.: RPC-2 | ...")."""
    rows: dict[str, Sentence] = {}
    for chunk in chunks:
        if chunk.chunk.kind != "table":
            continue
        for row in split_sentences(chunk):
            values = _cell_values(_row_cells(row) or [])
            if values and _ROW_LABEL.fullmatch(values[0]):
                rows.setdefault(values[0], row)
    return rows


def _row_cells(sentence: Sentence) -> list[str] | None:
    """A table row's cells ("Label: value" or a bare value), None for any other sentence."""
    if sentence.chunk.chunk.kind != "table" or " | " not in sentence.text:
        return None
    return [c.strip() for c in sentence.text.split(" | ")]


def _cell_values(cells: list[str]) -> list[str]:
    return [c.split(": ", 1)[1] if ": " in c else c for c in cells]


def _repeats(a: Sentence, b: Sentence, alike: Callable[[Sentence, Sentence], float], how: Selecting) -> bool:
    """`a` says nothing `b` has not said (e.g. one answer in two libraries, a table row and the prose
    that restates it): most words shared, or, from another chunk, the same meaning; and no number or
    name that `b` lacks ("We are not StateRAMP authorized" after "We are not FedRAMP authorized", or
    "within 48 hours" after "within 36 hours", says something new)."""
    wa, wb = set(keyword_terms(a.text)), set(keyword_terms(b.text))
    if not wa or not wb:
        return a.text.strip().lower() == b.text.strip().lower()
    known = b.text.casefold()
    if not numbers_in(a.text) <= numbers_in(b.text) or any(
        n.casefold() not in known for n in salient_terms(a.text)
    ):
        return False
    shared = len(wa & wb) / len(wa | wb)
    if shared >= how.repeat_overlap:
        return True
    # Meaning is compared (embedding both as shown) only where some words are shared.
    different = a.chunk.chunk.id != b.chunk.chunk.id
    return different and shared >= how.restates_shared and alike(a, b) >= how.restates


def not_restating(
    sentences: list[Sentence], answer: ScoredChunk, embed: Callable[[list[str]], np.ndarray], how: Selecting
) -> tuple[list[Sentence], list[ScoredChunk]]:
    """The sentences that say something an approved library answer (shown whole) does not, and the
    other sources whose sentences only restate it."""
    if not sentences:
        return sentences, []
    whole = Sentence(_approved_text(answer), answer, -1)

    def alike(a: Sentence, b: Sentence) -> float:
        va, vb = embed([readable(a), b.text])
        return float(va @ vb)

    kept: list[Sentence] = []
    restating: dict[str, ScoredChunk] = {}
    for s in sentences:
        if _repeats(s, whole, alike, how):
            restating.setdefault(s.chunk.chunk.id, s.chunk)
        else:
            kept.append(s)
    return kept, list(restating.values())


def _citing_also(sentence: Sentence, others: list[ScoredChunk]) -> Sentence:
    also = list({c.chunk.id: c for c in others if c.chunk.id != sentence.chunk.chunk.id}.values())
    return replace(sentence, also=tuple(also)) if also else sentence


def render_cited(composition: Composition, number: dict[str, int] | None = None) -> str:
    """Answer text with a citation marker after each claim, numbered as in `Composition.cited` (or by
    `number`, chunk id -> citation number, when several compositions share one source list)."""
    if number is None:
        number = {c.chunk.id: n for n, c in enumerate(composition.cited(), start=1)}
    parts = []
    if composition.approved:
        markers = "".join(
            f"[{number[c.chunk.id]}]" for c in (composition.approved, *composition.approved_also)
        )
        parts.append(f"{_approved_text(composition.approved)} {markers}")
    for text, group in _passages(composition):
        cited = {c.chunk.id: c for s in group for c in (s.chunk, *s.also)}
        parts.append(text + " " + "".join(f"[{number[i]}]" for i in cited))
    return " ".join(parts)


def render_prose(composition: Composition) -> str:
    """Proposal prose without citation markers (sources are listed under it)."""
    parts = [_approved_text(composition.approved)] if composition.approved else []
    parts += [text for text, _ in _passages(composition)]
    return " ".join(parts)


def _passages(composition: Composition) -> list[tuple[str, list[Sentence]]]:
    """The sentences as shown, a lead-in and the items of its chunk that follow it as one sentence
    ("OnSite covers: the print room: ...; internal courier rounds ..."), with the sentences each is made of.
    An item shown without its lead-in opens with a capital."""
    out: list[tuple[str, list[Sentence]]] = []
    for s in composition.sentences:
        if out and is_list_item(s):
            text, group = out[-1]
            if group[-1].chunk is s.chunk and (text.endswith(":") or is_list_item(group[-1])):
                item = _shown(s, composition.verdicts)
                if text.endswith(":") or group[-1].text.rstrip().endswith((".", "!", "?")):
                    joined = f"{text} {item}"  # after the lead-in, or after an item that is a sentence
                else:
                    joined = f"{text.rstrip('.')}; {item}"
                out[-1] = (joined, [*group, s])
                continue
        text = _shown(s, composition.verdicts)
        out.append((text[:1].upper() + text[1:] if is_list_item(s) else text, [s]))
    return out


def _approved_text(chunk: ScoredChunk) -> str:
    text = chunk.chunk.text
    return text.split("\nA:", 1)[1].strip() if "\nA:" in text else text


def _shown(sentence: Sentence, verdicts: bool) -> str:
    """A sentence as the answer shows it: readable, without its opening verdict where none is wanted."""
    text = _as_sentence(readable(sentence))
    return text if verdicts else _OPENING_VERDICT.sub("", text, count=1)


def readable(sentence: Sentence) -> str:
    """A table row as a phrase: "Measure: Uptime | Commitment: 99.9%" reads "Uptime: 99.9%".

    Only labels are dropped, never values, so every fact of the row is still shown word for word.
    """
    cells = _row_cells(sentence)
    if cells is None:
        return sentence.text
    values = _cell_values(cells)
    if len(values) == 2:
        return f"{values[0]}: {values[1]}"
    rest = "; ".join(cells[1:])
    return f"{values[0]} ({rest})"


def _as_sentence(text: str) -> str:
    """A unit as a sentence of the answer: no emphasis marks (a line set wholly in *italics* included),
    ending in a full stop where a list item ended in ";" or ","."""
    text = _EMPHASIS.sub("", text).strip()
    wrapped = _WRAPPED_EMPHASIS.match(text)
    if wrapped:
        text = wrapped.group(1).strip() + wrapped.group(2)
    text = text.rstrip(";, ")
    return text if text[-1:] in ".!?:" else text + "."
