"""What the loopback OpenAI-compatible fakes of the model tests share: the reply body and how it is sent."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


def completion(model: str, content: str) -> dict[str, Any]:
    """A chat.completion body as OpenAI returns it, with one assistant message."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    }


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
