"""Deal Assistant: cited answers and RFP drafts from a sales team's knowledge base.

The names below are the library's front door: build an `Assistant` from `Settings` with `build_assistant`,
ingest a knowledge folder with `run_ingest`, and ask it a `Request`. Everything else is internal to its
module. They resolve on first use, so importing one submodule stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.exports import lazy_exports

if TYPE_CHECKING:
    from assistant.answering.core import Assistant
    from assistant.errors import DealAssistantError
    from assistant.models import Answer, Audience, Request, Status
    from assistant.settings import Settings
    from assistant.wiring import build_assistant, run_ingest

__all__ = [
    "Answer",
    "Assistant",
    "Audience",
    "DealAssistantError",
    "Request",
    "Settings",
    "Status",
    "build_assistant",
    "run_ingest",
]

__getattr__, __dir__ = lazy_exports(
    globals(),
    {
        "Answer": "assistant.models",
        "Assistant": "assistant.answering.core",
        "Audience": "assistant.models",
        "DealAssistantError": "assistant.errors",
        "Request": "assistant.models",
        "Settings": "assistant.settings",
        "Status": "assistant.models",
        "build_assistant": "assistant.wiring",
        "run_ingest": "assistant.wiring",
    },
)
