"""A plain-numpy float32 reference for all-MiniLM-L6-v2, as sentence-transformers runs it.

BERT (6 layers, 12 heads, hidden 384, exact erf GELU, LayerNorm eps 1e-12, absolute position
embeddings, token type 0) on the original float32 weights, then mean pooling over the attention
mask and L2 normalisation. The embedding tests hold the int8 ONNX model we ship against it.

The weights, `config.json` and `tokenizer.json` live in `.tools/models/all-MiniLM-L6-v2`, which
`make setup` fills.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = ["MAX_SEQ_LENGTH", "REFERENCE_DIR", "ReferenceMiniLM", "reference_tokenizer"]

REFERENCE_DIR = Path(__file__).resolve().parents[2] / ".tools" / "models" / "all-MiniLM-L6-v2"
MAX_SEQ_LENGTH = 256  # sentence-transformers' max_seq_length for this model

Array = npt.NDArray[np.float32]


def reference_tokenizer(folder: Path = REFERENCE_DIR) -> Tokenizer:
    """The reference folder's tokenizer, set up as sentence-transformers calls it: truncation to
    256 word pieces including [CLS]/[SEP], no padding (the model pads per batch)."""
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.no_padding()
    return tokenizer


def _erf(x: Array) -> Array:
    result: Array = np.vectorize(math.erf, otypes=[np.float64])(x).astype(np.float32)
    return result


def _gelu(x: Array) -> Array:
    result: Array = (0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0))))).astype(np.float32)
    return result


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: Array = ((x - mean) / np.sqrt(var + np.float32(eps)) * weight + bias).astype(np.float32)
    return result


def _softmax(x: Array) -> Array:
    shifted = x - x.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: Array = (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


@dataclass(frozen=True, slots=True)
class _Config:
    layers: int
    heads: int
    hidden: int
    eps: float

    @staticmethod
    def read(path: Path) -> _Config:
        raw = json.loads(path.read_text())
        if raw["hidden_act"] != "gelu" or raw["position_embedding_type"] != "absolute":
            raise ValueError(f"{path}: not the BERT variant this reference implements")
        return _Config(
            layers=int(raw["num_hidden_layers"]),
            heads=int(raw["num_attention_heads"]),
            hidden=int(raw["hidden_size"]),
            eps=float(raw["layer_norm_eps"]),
        )


class ReferenceMiniLM:
    """all-MiniLM-L6-v2 in float32 numpy; `embed` returns unit vectors, one row per text."""

    def __init__(self, folder: Path = REFERENCE_DIR) -> None:
        self.config = _Config.read(folder / "config.json")
        self.tokenizer = reference_tokenizer(folder)
        self._w: dict[str, Array] = {
            name: np.asarray(tensor, dtype=np.float32)
            for name, tensor in load_file(str(folder / "model.safetensors")).items()
            if tensor.dtype == np.float32
        }

    def _linear(self, x: Array, prefix: str) -> Array:
        result: Array = x @ self._w[f"{prefix}.weight"].T + self._w[f"{prefix}.bias"]
        return result

    def _norm(self, x: Array, prefix: str) -> Array:
        return _layer_norm(
            x, self._w[f"{prefix}.weight"], self._w[f"{prefix}.bias"], self.config.eps
        )

    def _layer(self, x: Array, mask_bias: Array, i: int) -> Array:
        p = f"encoder.layer.{i}"
        batch, seq, hidden = x.shape
        heads = self.config.heads
        size = hidden // heads

        def split(t: Array) -> Array:
            return t.reshape(batch, seq, heads, size).transpose(0, 2, 1, 3)

        q = split(self._linear(x, f"{p}.attention.self.query"))
        k = split(self._linear(x, f"{p}.attention.self.key"))
        v = split(self._linear(x, f"{p}.attention.self.value"))
        scores = (q @ k.transpose(0, 1, 3, 2)) / np.float32(math.sqrt(size)) + mask_bias
        context = (_softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
        x = self._norm(
            x + self._linear(context, f"{p}.attention.output.dense"),
            f"{p}.attention.output.LayerNorm",
        )
        inner = _gelu(self._linear(x, f"{p}.intermediate.dense"))
        return self._norm(x + self._linear(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")

    def hidden_states(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> Array:
        """The last hidden state, (batch, seq, hidden), for padded ids and their mask."""
        seq = ids.shape[1]
        x = (
            self._w["embeddings.word_embeddings.weight"][ids]
            + self._w["embeddings.position_embeddings.weight"][np.arange(seq)][None, :, :]
            + self._w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = self._norm(x.astype(np.float32), "embeddings.LayerNorm")
        mask_bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)).astype(
            np.float32
        )
        for i in range(self.config.layers):
            x = self._layer(x, mask_bias, i)
        return x

    def embed(self, texts: Sequence[str]) -> Array:
        """Unit vectors for `texts` (each text run on its own: no padding involved)."""
        rows = []
        for text in texts:
            encoding = self.tokenizer.encode(text)
            ids = np.asarray([encoding.ids], dtype=np.int64)
            mask = np.asarray([encoding.attention_mask], dtype=np.int64)
            hidden = self.hidden_states(ids, mask)
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            rows.append((pooled / norm)[0])
        return np.stack(rows).astype(np.float32)
