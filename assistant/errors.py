"""The project's exceptions. The core raises these; the CLI and the bot translate them for people."""


class DealAssistantError(Exception):
    """Base class: a problem that can be explained to the user in one line."""


class ConfigError(DealAssistantError):
    """Missing or invalid configuration (e.g. a Slack token that is not set)."""


class DocumentError(DealAssistantError):
    """A knowledge file that cannot be read: corrupt, empty, encrypted, unsupported, bad metadata."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class KnowledgeBaseError(DealAssistantError):
    """A knowledge-base version problem: nothing ingested yet, unknown version, nothing staged."""


class UnknownClientError(DealAssistantError):
    """A request names a client the knowledge base has never heard of."""


class DatasetError(DealAssistantError):
    """A malformed eval dataset line."""


class QuestionnaireError(DealAssistantError):
    """A questionnaire file that cannot be filled (protected, corrupt, empty, too large, no questions)."""


class LibraryError(DealAssistantError):
    """An answer-library problem: a reviewed file not produced by Deal Assistant, an unusable library file."""
