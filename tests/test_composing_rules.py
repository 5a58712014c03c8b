"""Composition rules over small hand-built inputs: library answers are read from their start, a
passage's own "No." is shown only where a verdict is wanted, and chunking splits only the unit that is
too long (never a knowledge base's wording)."""

from __future__ import annotations

from assistant.answering.composing import (
    Composition,
    Selecting,
    Sentence,
    render_cited,
    render_prose,
    select_sentences,
    split_sentences,
    whole_passages,
)
from assistant.models import Chunk, Confidentiality, DocType, DocumentMeta, ScoredChunk
from assistant.retrieval.embedding import Embedder
from ingest.chunking import split_text
from tests.conftest import offering_chunk as part_of

META = DocumentMeta(title="Answer library", confidentiality=Confidentiality.INTERNAL)


QUESTION = "Do you print postage meter marks on the envelopes yourselves?"
BEST = "We print postage meter marks on every envelope we mail."


def scored(text: str, *, library_question: str | None = None) -> ScoredChunk:
    """One retrieved chunk: an answer-library row when `library_question` is given, else prose."""
    chunk = Chunk(
        id="chunk-1",
        source="rfp-answers/library.csv",
        doc_type=DocType.RFP_ANSWER,
        position=0,
        text=f"Q: {library_question}\nA: {text}" if library_question else text,
        kind="qa" if library_question else "prose",
        question=library_question,
        meta=META,
    )
    return ScoredChunk(chunk=chunk, score=0.6, similarity=0.6)


def only_the_best(chunk: ScoredChunk, question: str, embedder: Embedder) -> list[str]:
    """What is selected when only the single best sentence qualifies by score."""
    how = Selecting(limit=1, section_margin=0.0, other_margin=0.0, list_items=0)
    selection = select_sentences(question, embedder.embed_one(question), [chunk], embedder.embed_cached, how)
    return [s.text for s in selection.sentences]


def test_a_later_sentence_of_a_library_answer_brings_the_opening_before_it(embedder: Embedder) -> None:
    opening = "No, that is outside the standard service."
    row = scored(f"{opening} {BEST}", library_question="Can you print postage indicia?")
    # Only the best sentence qualifies by score: the opening must still come with it.
    assert only_the_best(row, QUESTION, embedder) == [opening, BEST]


def test_the_opening_rule_leaves_prose_sections_alone(embedder: Embedder) -> None:
    prose = scored(f"Our plants run around the clock. {BEST}")
    assert only_the_best(prose, QUESTION, embedder) == [BEST]


def test_a_run_on_sentence_is_cut_at_words_without_cutting_the_sentences_around_it() -> None:
    before = "The first sentence is short. The second one too."
    run_on = "Credit " + " ".join(["cell"] * 80)  # a flattened table: 406 characters, no sentence end
    after = "In any month, credits are capped at 14% of the fees. The cap excludes postage."
    pieces = split_text(f"{before} {run_on}. {after}", limit=200)
    assert all(len(p) <= 200 for p in pieces)
    assert pieces[0] == before
    assert pieces[-1] == after  # whole sentences, not a piece starting "any month, ..."
    assert " ".join(pieces).split() == f"{before} {run_on}. {after}".split()  # nothing lost or added


def test_an_opening_verdict_is_dropped_only_where_the_rest_is_a_whole_sentence() -> None:
    def shown(text: str) -> str:
        row = scored(text)
        return render_prose(Composition([Sentence(text, row, 0)], verdicts=False))

    assert shown("No. Every job is printed in our own plants.") == "Every job is printed in our own plants."
    assert shown("Yes: The portal is bilingual.") == "The portal is bilingual."
    assert shown("Yes: the portal is bilingual.") == "Yes: the portal is bilingual."  # would read badly
    assert shown("No. 5 plant handles Canadian work.") == "No. 5 plant handles Canadian work."  # a number
    assert shown("Yes, where member consent allows it.") == "Yes, where member consent allows it."
    kept = scored("No. Every job is printed in our own plants.")
    with_verdict = Composition([Sentence(kept.chunk.text, kept, 0)])
    assert render_prose(with_verdict) == "No. Every job is printed in our own plants."


def test_a_reply_that_opens_with_its_verdict_stays_with_the_question_it_answers() -> None:
    plants = "Our plants run every day of the week."
    faq = scored(f"Can members get EOBs by email? Yes, where plan rules allow it. {plants}")
    assert [s.text for s in split_sentences(faq)] == [
        "Can members get EOBs by email? Yes, where plan rules allow it.",
        plants,
    ]
    question = "Why does a late notice matter to the utility?"
    prose = scored(f"{question} Because late notices cost money. {plants}")
    assert [s.text for s in split_sentences(prose)] == [question, "Because late notices cost money.", plants]


def test_list_items_and_lines_in_italics_read_as_sentences() -> None:
    def shown(text: str) -> str:
        return render_prose(Composition([Sentence(text, scored(text), 0)]))

    assert (
        shown("*Managed print rooms, run by our own staff.*") == "Managed print rooms, run by our own staff."
    )
    assert shown("Walk-up jobs, finishing and binding;") == "Walk-up jobs, finishing and binding."
    assert shown("Ten copies cost 5*3 dollars") == "Ten copies cost 5*3 dollars."


OLD_SHEET, NEW_GUIDE = "offerings/mail-brochure.pdf", "offerings/assurance-guide.docx"


def shown_after_freshness(old: ScoredChunk, new: ScoredChunk, question: str, embedder: Embedder) -> list[str]:
    """The sentences an answer may use when `old` is of a document that `new`'s document supersedes."""
    how = Selecting(limit=4, section_margin=1.0, other_margin=1.0, list_items=0)
    vector = embedder.embed_one(question)
    selection = select_sentences(question, vector, [old, new], embedder.embed_cached, how, {OLD_SHEET: [new]})
    return [s.text for s in selection.sentences]


def test_an_older_table_row_gives_way_to_the_newer_row_about_the_same_thing(embedder: Embedder) -> None:
    old_row = (
        "Measure: Standard transactional mail | Target: 2 business days from acceptance; 99.7% of pieces"
    )
    new_row = "Service: Transactional mail | Service level: 4 p.m. cut-off for next-day mailing; 5% credit"
    # The rows read apart (their values differ) by more than the same-statement bar: only the subject
    # cell tells that they are about the same thing.
    rows = embedder.embed([old_row, new_row])
    assert float(rows[0] @ rows[1]) < Selecting(1, 0, 0, 0).same_statement
    question = "What is the standard production window for transactional mail?"
    old, new = part_of(OLD_SHEET, old_row, "table"), part_of(NEW_GUIDE, new_row, "table")
    shown = shown_after_freshness(old, new, question, embedder)
    assert new_row in shown and old_row not in shown
    # A row about something else stays, superseded document or not.
    other = "Commitment: Exception visibility | Standard: Every pulled piece shown in the portal the same day"
    assert other in shown_after_freshness(part_of(OLD_SHEET, other, "table"), new, question, embedder)


def test_an_older_sentence_gives_way_where_the_newer_text_numbers_its_name_differently(
    embedder: Embedder,
) -> None:
    old_text = "Inside the plants the standard window is simply called T+2, counted from acceptance."
    new_text = "Files accepted by 4 p.m. are in the mailstream the next business day (T+1)."
    question = "How long is the standard production window?"
    shown = shown_after_freshness(
        part_of(OLD_SHEET, old_text), part_of(NEW_GUIDE, new_text), question, embedder
    )
    assert new_text in shown and old_text not in shown
    # A name the newer text numbers several ways is a list of items ("S-1", "S-2"), not a changed value.
    listed = part_of(
        NEW_GUIDE, "S-1 covers ID cards and S-2 covers letters, each mailed the next business day."
    )
    old_item = "S-3 covers welcome kits, mailed within 5 business days."
    assert old_item in shown_after_freshness(part_of(OLD_SHEET, old_item), listed, question, embedder)


def test_the_evidence_is_the_best_similarity_among_the_sentences_shown(embedder: Embedder) -> None:
    question = "How fast are statements mailed after the file arrives?"
    worded = "Statements, files and mail arrive at the plant by truck."  # the question's words
    meant = "We post every bill within one business day of receiving its data."  # its meaning
    vector = embedder.embed_one(question)
    # A strong keyword weight makes the sentence with the question's words the anchor ...
    how = Selecting(limit=2, section_margin=1.0, other_margin=1.0, list_items=0, keyword_weight=1.0)
    selection = select_sentences(question, vector, [scored(f"{worded} {meant}")], embedder.embed_cached, how)
    assert selection.anchor is not None and selection.anchor.text == worded
    assert [s.text for s in selection.sentences] == [worded, meant]
    # ... but the evidence is how well the closer of the two shown sentences matches (read in its section)
    similarity = {t: float(embedder.embed_one(f"Answer library: {t}") @ vector) for t in (worded, meant)}
    assert similarity[meant] > similarity[worded]
    assert abs(selection.best_similarity - similarity[meant]) < 1e-4


def test_a_fact_another_source_restates_is_shown_once_and_cited_to_both(embedder: Embedder) -> None:
    question = "How soon do you notify clients of a security incident?"
    first = "We notify affected clients within 36 hours of confirming a security incident."
    again = (
        "If we confirm a security incident that affects a client's data, we tell the client within 36 hours."
    )
    guide = part_of("offerings/assurance-guide.md", first)
    library = part_of("rfp-answers/library.md", f"{again} A named incident lead sends written updates.")
    pair = embedder.embed([first, again])
    assert float(pair[0] @ pair[1]) >= Selecting(1, 0, 0, 0).restates, "precondition: the same statement"
    how = Selecting(limit=4, section_margin=1.0, other_margin=1.0, list_items=0)
    selection = select_sentences(
        question, embedder.embed_one(question), [guide, library], embedder.embed_cached, how
    )
    texts = [s.text for s in selection.sentences]
    assert (first in texts) != (again in texts), "the restatement is left out"
    kept = next(s for s in selection.sentences if s.text in (first, again))
    assert {c.chunk.source for c in (kept.chunk, *kept.also)} == {guide.chunk.source, library.chunk.source}
    assert "A named incident lead sends written updates." in texts, "what it adds is still shown"
    rendered = render_cited(Composition(selection.sentences))
    assert rendered.count("36 hours") == 1 and "[1][2]" in rendered


def test_a_restatement_that_adds_a_name_or_a_number_is_kept(embedder: Embedder) -> None:
    question = "Are your hosted platforms FedRAMP or StateRAMP authorized?"
    fed = "We are not FedRAMP authorized and are not pursuing FedRAMP authorization."
    state = "We are not StateRAMP authorized."
    pair = embedder.embed([fed, state])
    assert float(pair[0] @ pair[1]) >= Selecting(1, 0, 0, 0).restates, "precondition: close in meaning"
    how = Selecting(limit=4, section_margin=1.0, other_margin=1.0, list_items=0)
    chunks = [part_of("offerings/security.md", fed), part_of("rfp-answers/library.md", state)]
    selection = select_sentences(question, embedder.embed_one(question), chunks, embedder.embed_cached, how)
    assert {s.text for s in selection.sentences} == {fed, state}
    slower = "We notify affected clients within 48 hours of confirming a security incident."
    faster = "We notify affected clients within 36 hours of confirming a security incident."
    chunks = [part_of("offerings/a.md", faster), part_of("offerings/b.md", slower)]
    selection = select_sentences(question, embedder.embed_one(question), chunks, embedder.embed_cached, how)
    assert {s.text for s in selection.sentences} == {faster, slower}, "another value is never a repeat"


def test_a_list_item_is_shown_under_the_lead_in_it_continues(embedder: Embedder) -> None:
    lead = "The site team covers:"  # under MIN_SENTENCE_CHARS: never a candidate itself
    items = [
        "- inbound mail sorting, logging and desk delivery of parcels;",
        "- the print room: walk-up jobs, finishing, binding and presentation runs;",
        "- records storage, retrieval and scheduled destruction.",
    ]
    prose = scored("\n".join(["Our people work in your building.", lead, *items]))
    question = "Does the team in our building run the print room and binding?"
    how = Selecting(limit=1, section_margin=0.0, other_margin=0.0, list_items=0)
    vector = embedder.embed_one(question)
    selection = select_sentences(question, vector, [prose], embedder.embed_cached, how)
    print_room = "the print room: walk-up jobs, finishing, binding and presentation runs;"
    assert [s.text for s in selection.sentences] == [lead, print_room]
    # The lead-in is context, not evidence: the evidence is the item's own similarity, read in its section.
    item_similarity = float(embedder.embed_one(f"Answer library: {print_room}") @ vector)
    assert abs(selection.best_similarity - item_similarity) < 1e-4
    composition = Composition(selection.sentences)
    assert render_cited(composition) == (
        "The site team covers: the print room: walk-up jobs, finishing, binding and presentation runs. [1]"
    )
    # Two items of the same list read as one sentence under their lead-in.
    two = [Sentence(lead, prose, 1), Sentence(items[0][2:], prose, 2), Sentence(items[2][2:], prose, 4)]
    assert render_prose(Composition(two)) == (
        "The site team covers: inbound mail sorting, logging and desk delivery of parcels; records storage,"
        " retrieval and scheduled destruction."
    )


def test_a_list_item_without_its_lead_in_opens_with_a_capital_and_names_keep_their_case() -> None:
    item = "the print room: walk-up jobs, finishing and binding;"
    row = scored(f"Our people work in your building and run:\n- {item}")
    # The lead-in is in an earlier chunk: the item stands alone, as a sentence.
    alone = Composition([Sentence(item, scored(item), 0)])
    assert render_prose(alone) == "The print room: walk-up jobs, finishing and binding."
    # A name set in mixed case is not an item, and keeps its case.
    name = "eStatement notification emails are sent within 2 hours of posting."
    assert render_prose(Composition([Sentence(name, row, 1)])) == name
    # An item after a whole sentence (no lead-in) is not joined to it.
    after_prose = scored(f"Our plants run around the clock.\n- {item}")
    pair = [Sentence("Our plants run around the clock.", after_prose, 0), Sentence(item, after_prose, 1)]
    assert render_prose(Composition(pair)) == (
        "Our plants run around the clock. The print room: walk-up jobs, finishing and binding."
    )


CONNECTORS = "\n".join(
    [
        "Agent Desk opens inside the systems contact centers already use. Ready-made connectors exist for:",
        "- Salesforce Service Cloud",  # short items: never candidates for the answer on their own
        "- Microsoft Dynamics 365",
        "- Genesys Cloud CX",
        "Other desktops connect through the open API.",
    ]
)


def test_a_lead_in_brings_its_whole_list_and_an_item_named_in_capitals_brings_its_lead_in(
    embedder: Embedder,
) -> None:
    connectors = scored(CONNECTORS)
    lead = "Ready-made connectors exist for:"
    # The lead-in picked: every item of its list follows it, the short ones too.
    how = Selecting(limit=1, section_margin=0.0, other_margin=0.0, list_items=8)
    question = "Which ready-made connectors exist?"
    selection = select_sentences(
        question, embedder.embed_one(question), [connectors], embedder.embed_cached, how
    )
    shown = render_prose(Composition(selection.sentences))
    assert shown.startswith(f"{lead} Salesforce Service Cloud; Microsoft Dynamics 365; Genesys Cloud CX.")
    # An item picked alone (it is set as a list line, though it opens with a capital) brings its
    # lead-in, not the rest of the list: the other items do not answer.
    question = "Does it work with Microsoft Dynamics 365?"
    how = Selecting(limit=1, section_margin=0.0, other_margin=0.0, list_items=0)
    selection = select_sentences(
        question, embedder.embed_one(question), [connectors], embedder.embed_cached, how
    )
    assert [s.text for s in selection.sentences] == [lead, "Microsoft Dynamics 365"]
    assert render_cited(Composition(selection.sentences)) == f"{lead} Microsoft Dynamics 365. [1]"


def test_a_lead_in_whose_list_is_left_out_is_not_shown() -> None:
    units = split_sentences(scored(CONNECTORS))
    lead = next(s for s in units if s.text.endswith(":"))
    item = next(s for s in units if s.text == "Microsoft Dynamics 365")
    other = split_sentences(scored("Disaster recovery plans are tested twice a year."))[0]
    assert whole_passages([lead, item, other]) == [lead, item, other]
    assert whole_passages([other, lead]) == [other]  # its items were left out (as repeats, say)
    assert whole_passages([lead, other]) == [other]  # followed by another source, not by its list


def test_an_item_that_gave_way_to_a_newer_document_does_not_come_back_with_its_list(
    embedder: Embedder,
) -> None:
    lead = "The standard turnarounds for every client are set out below:"
    old = part_of(OLD_SHEET, f"{lead}\n- statements mailed within 2 business days;\n- notices the same day.")
    new = part_of(NEW_GUIDE, "Statements are mailed within 1 business day of receiving the file.")
    question = "What are the standard turnarounds for every client?"
    how = Selecting(limit=4, section_margin=1.0, other_margin=1.0, list_items=8)
    vector = embedder.embed_one(question)
    selection = select_sentences(question, vector, [old, new], embedder.embed_cached, how, {OLD_SHEET: [new]})
    shown = [s.text for s in selection.sentences]
    assert lead in shown and "notices the same day." in shown  # the lead-in brings its list ...
    assert "statements mailed within 2 business days;" not in shown  # ... but the newer guide states this
    assert "Statements are mailed within 1 business day of receiving the file." in shown
