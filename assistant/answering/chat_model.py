"""The chat model as Deal Assistant calls it: bounded in time and concurrency, retried, failures described.

Whatever LangChain chat model is configured (or injected by a test) is wrapped in `BoundedChatModel`, so
a provider that hangs cannot hold a question forever and a burst of questions cannot open more calls than
the endpoint was sized for. Provider exceptions can carry request details (a key fragment, an internal
URL): `describe_failure` says what went wrong without repeating their text, and `redact` cleans it for
the log.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.errors import DealAssistantError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
_KEYLIKE = re.compile(r"\b(?:sk|pk|rk|key|xox[abpr]|gh[pous])[-_][A-Za-z0-9_*\-]{4,}|\b[A-Za-z0-9_\-]{32,}\b")


class ModelCallError(DealAssistantError):
    """The model endpoint could not be used; the message is safe to show (no provider text)."""


class BoundedChatModel(BaseChatModel):
    """Delegates to `inner`, one attempt at most `timeout` seconds, at most `concurrency` in flight."""

    inner: BaseChatModel
    timeout: float = DEFAULT_TIMEOUT
    retries: int = 1
    concurrency: int = 1
    _slots: threading.BoundedSemaphore = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        self._slots = threading.BoundedSemaphore(self.concurrency)

    @property
    def _llm_type(self) -> str:
        return f"bounded-{self.inner._llm_type}"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        for attempt in range(self.retries + 1):
            try:
                return ChatResult(generations=[ChatGeneration(message=self._attempt(messages, stop, kwargs))])
            except Exception as e:
                if not self._retry_after(attempt, e, "call"):
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises

    def _retry_after(self, attempt: int, error: Exception, what: str) -> bool:
        """Whether to try again after `error` (retries left, and worth it); if so, after the back-off."""
        if attempt == self.retries or not _worth_retrying(error):
            return False
        log.info("model %s failed (%s), retrying", what, type(error).__name__)
        time.sleep(min(0.5 * 2**attempt, 4.0))
        return True

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """The inner model's stream, the whole of it within `timeout`. A failure before the first piece
        is retried like a call; once text has been handed on it is not (it would be shown twice)."""
        for attempt in range(self.retries + 1):
            started = False
            try:
                for piece in self._stream_attempt(messages, stop, kwargs):
                    started = True
                    yield ChatGenerationChunk(message=piece)
                return
            except Exception as e:
                if started or not self._retry_after(attempt, e, "stream"):
                    raise

    def _stream_attempt(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> Iterator[AIMessageChunk]:
        if not self._slots.acquire(timeout=self.timeout):
            raise TimeoutError(f"no free model slot within {self.timeout:g}s")
        deadline = time.monotonic() + self.timeout
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()

        def call() -> None:
            try:
                for piece in self.inner.stream(messages, stop=stop, **kwargs):
                    pieces.put(("piece", piece))
                pieces.put(("end", None))
            except BaseException as e:  # handed to the caller's thread
                pieces.put(("error", e))
            finally:
                self._slots.release()

        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(call,), name="chat-model-stream", daemon=True).start()
        while True:
            try:
                kind, item = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"the model did not finish within {self.timeout:g}s") from None
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item if isinstance(item, AIMessageChunk) else AIMessageChunk(content=str(item.content))

    def _attempt(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> BaseMessage:
        # The call runs in a daemon thread so that a provider that never answers cannot block the caller
        # (or the interpreter's exit); its slot is freed only when it really ends, so a hung endpoint is
        # never sent more than `concurrency` calls.
        if not self._slots.acquire(timeout=self.timeout):
            raise TimeoutError(f"no free model slot within {self.timeout:g}s")
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def call() -> None:
            try:
                outcome["reply"] = self.inner.invoke(messages, stop=stop, **kwargs)
            except BaseException as e:  # handed to the caller's thread
                outcome["error"] = e
            finally:
                self._slots.release()
                done.set()

        context = contextvars.copy_context()
        threading.Thread(target=context.run, args=(call,), name="chat-model-call", daemon=True).start()
        if not done.wait(self.timeout):
            raise TimeoutError(f"the model did not reply within {self.timeout:g}s")
        if "error" in outcome:
            raise outcome["error"]
        reply = outcome["reply"]
        return reply if isinstance(reply, BaseMessage) else AIMessage(content=str(reply))


def bounded(
    model: BaseChatModel, *, timeout: float = DEFAULT_TIMEOUT, retries: int = 1, concurrency: int = 1
) -> BoundedChatModel:
    """`model` wrapped with limits (a model that is already wrapped is returned as it is)."""
    if isinstance(model, BoundedChatModel):
        return model
    return BoundedChatModel(inner=model, timeout=timeout, retries=retries, concurrency=concurrency)


def model_label(model: BaseChatModel) -> str:
    """The class name of the model that writes the text (what `Answer.composer` records)."""
    return type(model.inner if isinstance(model, BoundedChatModel) else model).__name__


def status_of(error: BaseException) -> int | None:
    """The HTTP status behind a provider exception, when it carries one."""
    for candidate in (error, getattr(error, "response", None)):
        code = getattr(candidate, "status_code", None)
        if isinstance(code, int):
            return code
    return None


def _worth_retrying(error: BaseException) -> bool:
    status = status_of(error)
    if isinstance(error, TimeoutError) or "timeout" in type(error).__name__.lower():
        return False  # the user has already waited a full timeout
    return status is None or status in (408, 409, 429) or status >= 500


def describe_failure(error: BaseException) -> str:
    """What went wrong with a model call, in words that never repeat the provider's message."""
    name = type(error).__name__
    status = status_of(error)
    if isinstance(error, TimeoutError) or "timeout" in name.lower():
        return f"timed out ({name})"
    if status in (401, 403):
        return f"unauthorised: the endpoint refused the API key (HTTP {status})"
    if status == 404:
        return "not found: wrong model name or base URL (HTTP 404)"
    if status is not None:
        return f"the endpoint answered HTTP {status} ({name})"
    if "connect" in name.lower():
        return f"unreachable ({name})"
    return f"failed ({name})"


def redact(text: str, *secrets: str) -> str:
    """`text` without the given secrets or anything shaped like an API key (for logs)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


def endpoint_host(base_url: str | None, provider: str) -> str:
    """Where calls go, for people: the configured host, or the provider's default endpoint."""
    if not base_url:
        return f"{provider} default endpoint"
    parts = urlsplit(base_url)
    return parts.netloc or base_url


@dataclass(frozen=True)
class ModelCheck:
    """The outcome of one tiny call to the configured model."""

    latency_s: float
    reply_ok: bool
    reply: str


CHECK_PROMPT = [("system", "Reply with the single word OK."), ("human", "Are you there?")]


def check_model(model: BaseChatModel) -> ModelCheck:
    """Make one tiny call; raise ModelCallError with a safe one-line reason when it fails."""
    started = time.perf_counter()
    try:
        reply = model.invoke(CHECK_PROMPT)
    except Exception as e:
        log.debug("model check failed: %s", redact(str(e)))
        # Not chained: the provider's exception text may hold a key fragment and must not reach a traceback.
        raise ModelCallError(describe_failure(e)) from None
    latency = time.perf_counter() - started
    text = reply.text.strip() if isinstance(reply, BaseMessage) else ""
    return ModelCheck(
        latency_s=latency, reply_ok=isinstance(reply, AIMessage) and bool(text), reply=text[:80]
    )
