"""Escalation to a person: who owns a topic in Slack, and when an answer is weak enough to offer it.

The experts file maps the `owner` metadata of documents (a name or an email) to Slack user ids, plus
a fallback mention (a user group such as `S0123` or `<!subteam^S0123>`, or a user) for everything else.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.config_files import load_config_file
from assistant.models import Answer, Confidence, Status
from assistant.slack.rendering import escape


class Experts(BaseModel):
    """Document owners as Slack users, and the fallback to mention when no owner is mapped."""

    model_config = ConfigDict(extra="forbid")

    owners: dict[str, str] = Field(default_factory=dict)
    fallback: str | None = None

    def owner_mention(self, owner: str | None) -> str | None:
        """The Slack mention of a document owner, if the file maps them."""
        if not owner:
            return None
        wanted = owner.strip().lower()
        for name, user_id in self.owners.items():
            if name.strip().lower() == wanted:
                return as_mention(user_id)
        return None

    def fallback_mention(self) -> str | None:
        return as_mention(self.fallback) if self.fallback else None


def as_mention(target: str) -> str:
    """`U123` -> `<@U123>`, `S123` -> `<!subteam^S123>`; a ready-made `<...>` mention is kept."""
    target = target.strip()
    if target.startswith("<"):
        return target
    if target.startswith("S"):
        return f"<!subteam^{target}>"
    return f"<@{target}>"


def load_experts(path: Path | None) -> Experts:
    """Read the experts YAML file (`owners: {"Dana Reyes": U123}`, `fallback: S0DEALDESK`)."""
    if path is None:
        return Experts()
    return load_config_file(path, Experts, "Slack experts file")


def needs_expert(answer: Answer) -> bool:
    """A not-found or low-confidence answer offers "Ask an expert"."""
    return answer.status is Status.NOT_FOUND or (
        answer.status is Status.ANSWERED and answer.confidence is Confidence.LOW
    )


def escalation_text(experts: Experts, *, owner: str | None, asker: str, clicker: str, question: str) -> str:
    """The thread message asking the owner of the closest document (or the fallback group) to step in."""
    quoted = "\n".join("> " + line for line in escape(question).splitlines() or [""])
    who = f" from <@{asker}>" if asker != clicker else ""
    owner_mention = experts.owner_mention(owner)
    if owner_mention:
        return f"🙋 {owner_mention}, you own the closest document. Could you help{who}?\n{quoted}"
    fallback = experts.fallback_mention()
    unmapped = (
        f" (the closest document's owner, {escape(owner)}, has no Slack user configured)" if owner else ""
    )
    if fallback:
        return f"🙋 {fallback}, could you help with this question{who}?{unmapped}\n{quoted}"
    return (
        f"🙋 <@{clicker}> asked for an expert, but no expert is configured{unmapped}."
        f" Please ask your deal desk.\n{quoted}"
    )
