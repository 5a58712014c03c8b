"""The Slack section: a burst of signed app_mention events against the bot running as its own process."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from assistant.settings import Settings
from evals.bench.fake_slack import BOT_USER, FakeSlack
from evals.bench.measuring import Latency, peak_rss_mib, rss_mib, time_each
from evals.bench.processes import CLI, child_env, stop
from evals.bench.results import BenchResult, Figure, Reference, Target

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
TEAM = "T0BENCH"
CHANNEL = "C0BENCH"
SLACK_ACK_LIMIT_MS = 3000.0  # Slack retries an Events API delivery not acknowledged within 3 seconds
STARTUP_SECONDS = 240.0
ANSWER_SECONDS = 300.0


@dataclass(frozen=True)
class Delivery:
    ts: str
    sent: float  # time.monotonic() just before the POST
    http_ms: float
    status: int


@dataclass(frozen=True)
class BotProcess:
    process: subprocess.Popen[str]
    url: str
    log: list[str]


@contextmanager
def running_bot(env: dict[str, str], cwd: Path) -> Iterator[BotProcess]:
    """`deal-assistant slack --mode http` on a free loopback port; yields once it says it is listening."""
    process = subprocess.Popen(
        [*CLI, "slack", "--mode", "http", "--port", "0", "--host", "127.0.0.1"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    stderr = process.stderr
    assert stderr is not None

    def pump() -> None:
        for text in stderr:
            lines.put(text)

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"the bot never said it was listening: {seen[-3:]}") from None
            seen.append(line.strip())
            if "listening on " in line:
                break
            if process.poll() is not None and lines.empty():
                raise RuntimeError(f"the bot exited with {process.returncode}: {seen[-3:]}")
        yield BotProcess(process, line.split("listening on ", 1)[1].strip(), seen)
    finally:
        stop(process)


def deliver(url: str, ts: str, text: str, number: int, start: threading.Barrier) -> Delivery:
    """POST one signed app_mention event callback, as Slack would."""
    event = {
        "type": "app_mention",
        "user": f"U0USER{number % 7}",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
        "team": TEAM,
        "client_msg_id": f"bench-{number}",
    }
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0BENCH",
            "event": event,
            "type": "event_callback",
            "event_id": f"EvBENCH{number:06d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )
    stamp = int(time.time())
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=str(stamp), body=body)
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Slack-Request-Timestamp", str(stamp))
    request.add_header("X-Slack-Signature", signature or "")
    start.wait()
    sent = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    return Delivery(ts, sent, (time.monotonic() - sent) * 1000.0, status)


def burst(url: str, questions: list[str]) -> list[Delivery]:
    """Send one event per question, all at once."""
    base = int(time.time())
    start = threading.Barrier(len(questions))
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        futures = [
            pool.submit(deliver, url, f"{base}.{n:06d}", q, n, start)
            for n, q in enumerate(questions, start=1)
        ]
        return [f.result() for f in futures]


@dataclass(frozen=True)
class Outcome:
    answered_once: int
    ack: Latency
    answer: Latency


def outcome(fake: FakeSlack, deliveries: list[Delivery]) -> Outcome:
    """Match each event to its placeholder (acknowledgement) and final message (answer), as the fake saw
    them."""
    posts = fake.calls_to("chat.postMessage")
    updates = fake.calls_to("chat.update")
    once = 0
    ack: list[float] = []
    answer: list[float] = []
    for d in deliveries:
        in_thread = [p for p in posts if p.body.get("thread_ts") == d.ts]
        if not in_thread:
            continue
        placeholder = in_thread[0]
        finals = [u for u in updates if u.body.get("ts") == placeholder.ts] + in_thread[1:]
        ack.append((placeholder.at - d.sent) * 1000.0)
        if finals:
            answer.append((min(f.at for f in finals) - d.sent) * 1000.0)
        once += len(finals) == 1
    return Outcome(once, Latency(tuple(ack)), Latency(tuple(answer)))


def health_round_trips(url: str, count: int = 20) -> Latency:
    health = url.rsplit("/slack/events", 1)[0] + "/healthz"
    return time_each(range(count), lambda _: urllib.request.urlopen(health, timeout=10).read())


def bench_slack(
    result: BenchResult,
    *,
    demo: Settings,
    work: Path,
    questions: list[str],
    ask: Latency,
    model_rss_mib: float,
) -> None:
    """Run the bot over the demo knowledge base against a fake Web API and send it a burst of mentions."""
    work.mkdir(parents=True, exist_ok=True)
    with FakeSlack(team_id=TEAM, token=TOKEN) as fake:
        env = child_env(
            demo,
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "DEAL_SLACK_API_URL": fake.api_url,
                "DEAL_FEEDBACK_DB": str((work / "feedback.sqlite3").resolve()),
            },
        )
        with running_bot(env, work) as bot:
            health = health_round_trips(bot.url)
            time.sleep(1.0)
            at_rest = rss_mib(bot.process.pid)
            deliveries = burst(bot.url, questions)
            fake.count_within("chat.update", len(questions), ANSWER_SECONDS)
            time.sleep(1.0)  # a duplicate answer would arrive now
            peak = peak_rss_mib(bot.process.pid)
            seen = outcome(fake, deliveries)
            unknown = fake.unknown_methods()
    if unknown:
        result.note("slack", "the bot called Web API methods the fake does not answer: " + ", ".join(unknown))
    add_slack_figures(result, deliveries, seen, health, ask)
    result.note(
        "slack",
        "`deal-assistant slack --mode http` as its own process over the demo knowledge base (offline "
        f"composer, {demo.slack_workers} answer workers), its Web API pointed at a fake Slack on 127.0.0.1 "
        f"(evals/bench/fake_slack.py, the test suite's fake too); {len(questions)} signed app_mention "
        "events sent at the same instant. "
        "Acknowledgement: the placeholder reply reaching the fake; answer: the chat.update replacing it.",
    )
    result.add(
        [
            Figure(
                section="memory",
                name="RSS of the Slack bot at rest",
                value=at_rest,
                unit="MiB",
                reference=Reference(
                    name="ingest process, model loaded, idle", value=model_rss_mib, unit="MiB"
                ),
            ),
        ]
    )
    if peak is not None:
        result.add(
            [
                Figure(
                    section="memory",
                    name=f"peak RSS of the Slack bot over the {len(questions)}-mention burst",
                    value=peak,
                    unit="MiB",
                    reference=Reference(name="the bot at rest", value=at_rest, unit="MiB"),
                )
            ]
        )


def add_slack_figures(
    result: BenchResult, deliveries: list[Delivery], seen: Outcome, health: Latency, ask: Latency
) -> None:
    n = len(deliveries)
    http = Latency(tuple(d.http_ms for d in deliveries if d.status == 200))
    figures = [
        Figure(
            section="slack",
            name=f"mentions answered exactly once (of {n} sent at once)",
            value=seen.answered_once,
            unit="events",
            target=Target(comparison="==", threshold=n),
        )
    ]
    if seen.answer.samples:
        serial = n * sum(ask.samples) / len(ask.samples)
        figures.append(
            Figure(
                section="slack",
                name=f"all {n} answers posted (last chat.update)",
                value=max(seen.answer.samples),
                unit="ms",
                reference=Reference(
                    name=f"{n} × in-process offline ask mean, one after another", value=serial, unit="ms"
                ),
                note="below 1× the worker pool answers in parallel",
            )
        )
    for level in ("p50", "p95"):
        rtt = Reference(name=f"GET /healthz round trip {level}", value=getattr(health, level), unit="ms")
        figures.append(
            Figure(
                section="slack",
                name=f"Events API HTTP 200 {level}",
                value=getattr(http, level),
                unit="ms",
                reference=rtt,
                target=Target(comparison="<", threshold=SLACK_ACK_LIMIT_MS) if level == "p95" else None,
            )
        )
        if seen.ack.samples:
            figures.append(
                Figure(
                    section="slack",
                    name=f"acknowledgement (placeholder seen by Slack) {level}",
                    value=getattr(seen.ack, level),
                    unit="ms",
                    reference=rtt,
                )
            )
        if seen.answer.samples:
            figures.append(
                Figure(
                    section="slack",
                    name=f"answer posted (chat.update seen by Slack) {level}",
                    value=getattr(seen.answer, level),
                    unit="ms",
                    reference=Reference(
                        name=f"in-process offline ask {level}, one at a time",
                        value=getattr(ask, level),
                        unit="ms",
                    ),
                )
            )
    result.add(figures)
