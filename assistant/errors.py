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


class DatasetError(DealAssistantError):
    """A malformed eval dataset line."""


class QuestionnaireError(DealAssistantError):
    """A questionnaire file that cannot be filled (protected, corrupt, empty, too large, no questions)."""


class DealFileError(DealAssistantError):
    """A deal file that cannot be used: unreadable, or a field that is missing, unknown or out of range."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class RestrictedError(DealAssistantError):
    """Something this audience may not see (pricing comparables outside an internal audience)."""


class PlaybookError(DealAssistantError):
    """A playbook file that cannot be used: broken YAML, a topic without its required fields, bad numbers."""

    def __init__(self, source: str, reason: str, topic: str | None = None) -> None:
        where = f"{source}: topic {topic!r}: " if topic else f"{source}: "
        super().__init__(where + reason)
        self.source = source
        self.topic = topic
        self.reason = reason


class ReviewError(DealAssistantError):
    """A draft SOW that cannot be reviewed (unsupported, unreadable, an output that would overwrite it)."""


class LibraryError(DealAssistantError):
    """An answer-library problem: a reviewed file not produced by Deal Assistant, an unusable library file."""
