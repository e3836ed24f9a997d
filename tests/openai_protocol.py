"""A local server speaking the OpenAI chat-completions protocol (`POST /v1/chat/completions`),
whose answers a test scripts: a JSON summary, prose, garbage, an HTTP error, or silence. It
records every request, so tests see exactly what the summarizer sent.

For the wire path with a real model behind it, the tests use llama.cpp's server instead
(`tests/llama_server.py`); this one makes the failure cases deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.local_http import serving

Answer = Callable[[dict[str, Any]], Any]
"""Given a request body: a str (the message content), an int (an HTTP error status), or None
(never answer)."""


def summary_json(**fields: Any) -> str:
    base: dict[str, Any] = {
        "reason": "The caller was charged twice for the March bill.",
        "facts": ["Charged twice in March"],
        "actions": ["Agent found the duplicate charge"],
        "next_steps": ["Billing to refund the duplicate"],
        "sentiment": "negative",
        "urgency": "normal",
        "briefing": "The caller was charged twice in March; billing will refund the duplicate.",
    }
    return json.dumps(base | fields)


@dataclass
class OpenAIProtocolServer:
    answer: Answer = field(default=lambda body: summary_json())
    requests: list[dict[str, Any]] = field(default_factory=list)
    error_message: str = "scripted failure"
    request_seen: asyncio.Event = field(default_factory=asyncio.Event)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        self.request_seen.set()
        reply = self.answer(body)
        if reply is None:
            await asyncio.sleep(3600)
        if isinstance(reply, int):
            return web.json_response({"error": {"message": self.error_message}}, status=reply)
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    def user_messages(self) -> list[str]:
        return [
            m["content"] for body in self.requests for m in body["messages"] if m["role"] == "user"
        ]


@contextlib.asynccontextmanager
async def running_openai(answer: Answer | None = None) -> AsyncIterator[OpenAIProtocolServer]:
    server = OpenAIProtocolServer() if answer is None else OpenAIProtocolServer(answer=answer)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server._completions)
    async with serving(app) as port:
        server.url = f"http://127.0.0.1:{port}/v1"
        yield server
