"""Answering: from a question to a cited answer, a draft, or an honest "the knowledge base does not say".

`core.Assistant` runs one request through the steps, each a module of its own: `questions` (what is
asked), `access` (what this audience may see), `assembling` (the evidence), `composing` (the offline
answer), `generating` with `chat_model`, `grounding`, `reply_cleaning` and `injection` (the optional
language-model answer and the checks it must pass). The names below resolve on first use, so importing
one module of the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from assistant.answering.core import Assistant, Mode, Staged, TextSink

__all__ = ["Assistant", "Mode", "Staged", "TextSink"]

__getattr__, __dir__ = lazy_exports(globals(), {name: "assistant.answering.core" for name in __all__})
