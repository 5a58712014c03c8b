"""The App Home tab for knowledge owners: the live version, when it was built, the viewer's documents
past their review date, and the last eval gate's verdict; published again after each promotion.

Only our own people see document details: a guest or a person of another organisation gets a short view
without titles (Home is open to anyone who can find the app). The viewer's documents are those whose
`owner` the experts file maps to the viewer's Slack id.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from assistant.coverage import Coverage, DocumentSummary
from assistant.gate_records import GateRecord
from assistant.models import Audience
from assistant.slack.audience import Asker, AudienceResolver
from assistant.slack.escalation import Experts
from assistant.slack.rendering import escape

log = logging.getLogger(__name__)

MAX_LISTED = 25  # documents listed per section (the view holds 100 blocks)
REFRESH_SECONDS = 30.0


class HomeTab:
    """Publishes the Home tab (views.publish) and re-publishes it to its viewers when the live version
    changes."""

    def __init__(
        self,
        web: WebClient,
        resolver: AudienceResolver,
        experts: Experts,
        *,
        coverage: Callable[[], Coverage],
        last_gate: Callable[[], GateRecord | None],
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._web = web
        self._resolver = resolver
        self._experts = experts
        self._coverage = coverage
        self._last_gate = last_gate
        self._clock = clock
        self._viewers: dict[str, tuple[str | None, str | None]] = {}  # user -> the bot's (team, enterprise)
        self._shown_version: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, user: str, home: tuple[str | None, str | None]) -> None:
        """Publish the viewer's Home tab; `home` is the bot's (team, enterprise) from auth.test. Errors are
        logged: the Home tab is never worth a failed request."""
        try:
            coverage = self._coverage()
            view = self._view(user, home, coverage)
            self._web.views_publish(user_id=user, view=view)
        except SlackClientError as e:
            log.warning("views.publish for %s failed: %s", user, e)
            return
        except Exception:
            log.exception("building the Home tab for %s failed", user)
            return
        with self._lock:
            self._viewers[user] = home
            self._shown_version = coverage.version

    def refresh_if_promoted(self) -> bool:
        """Re-publish to every viewer if the live version changed since the last publish."""
        try:
            version = self._coverage().version
        except Exception:
            log.exception("reading the live version for the Home tab failed")
            return False
        with self._lock:
            if self._shown_version is None or version == self._shown_version:
                return False
            viewers = dict(self._viewers)
        log.info("knowledge base now %s: refreshing the Home tab of %d viewers", version, len(viewers))
        for user, home in sorted(viewers.items()):
            self.publish(user, home)
        return True

    def start(self, interval: float = REFRESH_SECONDS) -> None:
        """Watch for promotions in a daemon thread (the CLI promotes from another process)."""

        def watch() -> None:
            while not self._stop.wait(interval):
                self.refresh_if_promoted()

        self._thread = threading.Thread(target=watch, name="deal-home-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _view(self, user: str, home: tuple[str | None, str | None], coverage: Coverage) -> dict[str, Any]:
        home_team, home_enterprise = home
        asker = Asker(
            channel="",
            user=user,
            is_dm=True,
            user_team=None,
            home_team=home_team,
            home_enterprise=home_enterprise,
        )
        internal = self._resolver.resolve(asker).audience is Audience.INTERNAL
        return home_view(coverage, self._last_gate(), self._owned_by(user), self._clock(), internal=internal)

    def _owned_by(self, user: str) -> set[str]:
        return {
            name.strip().lower()
            for name, target in self._experts.owners.items()
            if target.strip().strip("<>@") == user
        }


def home_view(
    coverage: Coverage, gate: GateRecord | None, owner_names: set[str], today: dt.date, *, internal: bool
) -> dict[str, Any]:
    """The Home tab's view: version and build time, last gate, and (for our own people) overdue documents."""
    built = f", built {escape(coverage.built_at[:16].replace('T', ' '))} UTC" if coverage.built_at else ""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Deal Assistant: knowledge base"}},
        _section(
            f"*Live version:* `{escape(coverage.version)}`{built} · {len(coverage.documents)} documents"
        ),
        _section(_gate_line(gate)),
    ]
    if not internal:
        blocks.append(_section("Ask me in the *Messages* tab: I answer from public documents here."))
        return {"type": "home", "blocks": blocks}
    overdue = [d for d in coverage.documents if d.overdue(today) and not d.superseded]
    mine = [d for d in overdue if d.owner and d.owner.strip().lower() in owner_names]
    blocks.append({"type": "divider"})
    if mine:
        blocks.append(_section(f"*Your documents past their review date ({len(mine)})*"))
        blocks.append(_section(_listing(mine)))
    elif owner_names:
        blocks.append(_section("✅ None of your documents is past its review date."))
    else:
        blocks.append(_section("_The experts file maps no document owner to you._"))
    others = len(overdue) - len(mine)
    if others:
        owners = sorted({d.owner or "no owner" for d in overdue if d not in mine})
        blocks.append(_context(f"{others} more past review, owned by {escape(', '.join(owners))}."))
    return {"type": "home", "blocks": blocks}


def _gate_line(gate: GateRecord | None) -> str:
    if gate is None:
        return "*Last eval gate:* none recorded (`deal-assistant kb promote` runs it)"
    verdict = "✅ passed" if gate.passed else "❌ failed (" + escape(", ".join(gate.failed)) + ")"
    against = f" against `{escape(gate.baseline)}`" if gate.baseline else ""
    return (
        f"*Last eval gate:* {verdict} for `{escape(gate.candidate)}`{against},"
        f" {gate.at.strftime('%Y-%m-%d %H:%M')} UTC"
    )


def _listing(documents: list[DocumentSummary]) -> str:
    lines = [
        f"• *{escape(d.title)}* — `{escape(d.source)}` — review by {d.review_by or '?'}"
        for d in documents[:MAX_LISTED]
    ]
    if len(documents) > MAX_LISTED:
        lines.append(f"… and {len(documents) - MAX_LISTED} more")
    return "\n".join(lines)[:3000]


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}
