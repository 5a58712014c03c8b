"""The answering core: retrieve, apply confidentiality and freshness, compose a cited answer or draft.

(Interface published early so the bot, the evals and the questionnaire filler can code against it.)
"""

from __future__ import annotations

from assistant.models import Answer, Request


class Assistant:
    """Answers questions and drafts RFP responses from one knowledge-base version."""

    def ask(self, request: Request) -> Answer:
        """Answer a question with citations, or say plainly that the knowledge base does not answer it."""
        raise NotImplementedError

    def draft(self, request: Request) -> Answer:
        """Write an RFP-ready answer in proposal voice for `request.client`, sources listed under it."""
        raise NotImplementedError

    def known_clients(self) -> list[str]:
        """Client names that appear in the knowledge base's metadata."""
        raise NotImplementedError
