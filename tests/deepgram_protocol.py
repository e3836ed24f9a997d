"""A local server that speaks Deepgram's live streaming protocol (`/v1/listen` over WebSocket),
so that the Deepgram adapter's wire path is tested for real where the cloud cannot be reached.

Only the part of the protocol the LiveKit plugin uses: `Authorization: Token <key>` (401
otherwise), query parameters (`encoding=linear16`, `sample_rate`, ...), binary 16-bit PCM
frames, the text messages `KeepAlive`, `Finalize` and `CloseStream`, and the replies
`SpeechStarted`, `Results` (interim, then final with `speech_final`) and `Metadata`.

The recognition behind it is the project's own offline Whisper STT: the transcripts are real,
but they say nothing about Deepgram's accuracy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from livekit import rtc
from livekit.agents import stt

from tests.local_http import serving
from warmtransfer.pipeline.transcription.whisper_stt import WhisperSTT


@dataclass
class Session:
    """What one client connection sent."""

    query: dict[str, str]
    authorization: str
    audio_bytes: int = 0
    control: list[str] = field(default_factory=list)  # the text messages' types
    results: list[str] = field(default_factory=list)  # final transcripts sent back


class DeepgramProtocolServer:
    def __init__(self, api_key: str, recognizer: WhisperSTT) -> None:
        self.api_key = api_key
        self.recognizer = recognizer
        self.sessions: list[Session] = []
        self.url = ""

    async def _listen(self, request: web.Request) -> web.StreamResponse:
        session = Session(dict(request.query), request.headers.get("Authorization", ""))
        self.sessions.append(session)
        if session.authorization != f"Token {self.api_key}":
            return web.Response(status=401, text='{"err_code":"INVALID_AUTH"}')
        if session.query.get("encoding") != "linear16":
            return web.Response(status=400, text='{"err_code":"Bad Request"}')
        rate = int(session.query.get("sample_rate", "16000"))
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        request_id = str(uuid.uuid4())
        stream = self.recognizer.stream()
        replies = asyncio.create_task(self._reply(ws, stream, session, request_id))
        async for message in ws:
            if message.type == WSMsgType.BINARY:
                session.audio_bytes += len(message.data)
                samples = len(message.data) // 2
                stream.push_frame(rtc.AudioFrame(message.data, rate, 1, samples))
            elif message.type == WSMsgType.TEXT:
                kind = json.loads(message.data).get("type", "")
                session.control.append(kind)
                if kind == "CloseStream":
                    break
        stream.end_input()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(replies, 60)
        if not ws.closed:
            await ws.send_json({"type": "Metadata", "request_id": request_id})
            await ws.close()
        return ws

    async def _reply(
        self,
        ws: web.WebSocketResponse,
        stream: stt.RecognizeStream,
        session: Session,
        request_id: str,
    ) -> None:
        async for event in stream:
            if ws.closed:
                return
            if event.type == stt.SpeechEventType.START_OF_SPEECH:
                await ws.send_json({"type": "SpeechStarted", "channel": [0], "timestamp": 0.0})
            elif event.type == stt.SpeechEventType.FINAL_TRANSCRIPT:
                data = event.alternatives[0]
                for final in (False, True):  # an interim hypothesis, then the final
                    await ws.send_json(_results(data, request_id, final=final))
                session.results.append(data.text)


def _results(data: stt.SpeechData, request_id: str, *, final: bool) -> dict[str, Any]:
    words = data.text.split()
    step = (data.end_time - data.start_time) / max(len(words), 1)
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": data.end_time - data.start_time,
        "start": data.start_time,
        "is_final": final,
        "speech_final": final,
        "channel": {
            "alternatives": [
                {
                    "transcript": data.text,
                    "confidence": 0.9,
                    "words": [
                        {
                            "word": w.lower().strip(".,?!"),
                            "punctuated_word": w,
                            "start": data.start_time + i * step,
                            "end": data.start_time + (i + 1) * step,
                            "confidence": 0.9,
                        }
                        for i, w in enumerate(words)
                    ],
                }
            ]
        },
        "metadata": {"request_id": request_id, "model_info": {"name": "local"}},
    }


@contextlib.asynccontextmanager
async def running_deepgram(
    api_key: str, recognizer: WhisperSTT
) -> AsyncIterator[DeepgramProtocolServer]:
    server = DeepgramProtocolServer(api_key, recognizer)
    app = web.Application()
    app.router.add_get("/v1/listen", server._listen)
    async with serving(app) as port:
        server.url = f"ws://127.0.0.1:{port}/v1/listen"
        yield server
