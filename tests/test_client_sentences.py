"""A question about one client's deal is answered from that client's own documents first.

Retrieval's client prior brings the client's SOW among the candidates; sentence selection must then
prefer its sentence ("The account manager for Harbor Bank is Dana Ruiz") to the library's general one
("Every client has a named account manager"), which reads closer to the question's words.
"""

from __future__ import annotations

from functools import partial

import pytest

from assistant.answering.composing import Selecting, select_sentences
from assistant.models import Audience, Request, Status
from assistant.retrieval.embedding import Embedder
from assistant.retrieval.retriever import Prior
from assistant.settings import Settings
from assistant.text import client_key
from assistant.tuning import Tuning
from assistant.wiring import build_assistant, run_ingest
from tests.conftest import TODAY, make_settings, offering_chunk, write_markdown

GENERAL = "Every client has a named account manager, supported by production and composition specialists."
OWN = "The account manager for Harbor Bank is Dana Ruiz, supported by a composition analyst."


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    root = tmp_path_factory.mktemp("client-kb")
    write_markdown(
        root,
        "offerings/account-management.md",
        "title: Account Management\nconfidentiality: public\neffective_date: 2025-01-01",
        f"# How we manage accounts\n\n{GENERAL} We hold monthly service reviews with every client.",
    )
    write_markdown(
        root,
        "sows/harbor-bank-sow.md",
        "title: Harbor Bank SOW\ndoc_type: sow\nclient: Harbor Bank\n"
        "confidentiality: confidential\neffective_date: 2025-01-01",
        "# Staffing\n\n"
        f"{OWN} Harbor Bank's contract owner is Lee Park.\n\n"
        "# Volumes\n\nPrinted member statements: 38,500 per month.",
    )
    s = make_settings(tmp_path_factory.mktemp("client-data"), root)
    report = run_ingest(s, root, load_embedder=lambda: embedder)
    assert not report.failed, report.failed
    return s


QUESTION = "who's our account manager on the Harbor Bank deal?"


def test_the_clients_own_sentence_answers_a_question_about_its_deal(
    settings: Settings, embedder: Embedder
) -> None:
    assistant = build_assistant(settings, clock=lambda: TODAY, embedder=embedder)
    answer = assistant.ask(Request(question=QUESTION, audience=Audience.INTERNAL))
    assert answer.status is Status.ANSWERED
    assert answer.answer.startswith(OWN)  # the client's sentence opens the answer
    assert answer.citations[0].source == "sows/harbor-bank-sow.md"


def test_the_sentence_prior_lifts_the_clients_sentence_over_a_closer_general_one(embedder: Embedder) -> None:
    # A request for Harbor Bank (the prior below) whose words read closer to the general sentence.
    question = "account manager on the statements deal?"
    general = offering_chunk("offerings/account-management.md", GENERAL)
    own_chunk = offering_chunk("sows/harbor-bank-sow.md", OWN)
    own_meta = own_chunk.chunk.meta.model_copy(update={"client": "Harbor Bank"})
    own = own_chunk.model_copy(update={"chunk": own_chunk.chunk.model_copy(update={"meta": own_meta})})
    vector = embedder.embed_one(question)
    tuning = Tuning()
    prior = Prior(client_key("Harbor Bank"), tuning.client_prior, general=False)

    def anchor(own_weight: float) -> str:
        how = Selecting(
            limit=1,
            section_margin=0.0,
            other_margin=0.0,
            list_items=0,
            keyword_weight=tuning.sentence_keyword_weight,
            chunk_weight=tuning.sentence_chunk_weight,
            prior=partial(prior.adjustment, own=own_weight),
        )
        selection = select_sentences(question, vector, [general, own], embedder.embed_cached, how)
        assert selection.anchor is not None
        return selection.anchor.text

    # With retrieval's weight alone the general sentence, which reads closer, anchors the answer ...
    assert anchor(tuning.client_prior) == GENERAL
    # ... with the sentence prior the client's own sentence does.
    assert anchor(tuning.sentence_client_prior) == OWN
    # A general question still steps client sentences back, by retrieval's weight.
    general_question = Prior(None, tuning.client_prior, general=True)
    assert (
        general_question.adjustment("Harbor Bank", own=tuning.sentence_client_prior) == -tuning.client_prior
    )
