"""The int8 MiniLM graph: built once into the cache, reused, rebuilt for another recipe, built in
memory where the cache cannot be written; and computing in int8 rather than float32."""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import onnxruntime  # type: ignore[import-untyped]
import pytest

from warmtransfer.rag import minilm_model
from warmtransfer.rag.embeddings import load_minilm_tokenizer
from warmtransfer.rag.minilm_model import cache_dir, cached_model_path, int8_model

TEXT = "I was charged twice for my March bill and the refund never arrived."


def _vector(model: str | bytes) -> np.ndarray:
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    ids = np.asarray([load_minilm_tokenizer().encode(TEXT).ids], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    if "token_type_ids" in {i.name for i in session.get_inputs()}:
        feeds["token_type_ids"] = np.zeros_like(ids)
    hidden = np.asarray(session.run(["last_hidden_state"], feeds)[0], dtype=np.float32)
    vector: np.ndarray = hidden[0].mean(axis=0)
    return vector


def test_the_cache_directory_follows_the_environment(tmp_path: Path) -> None:
    assert cache_dir({"WARMTRANSFER_MODEL_CACHE": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "warmtransfer"
    assert cache_dir({}) == Path.home() / ".cache" / "warmtransfer"


def test_built_once_then_reused_and_keyed_by_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = int8_model(tmp_path / "cache")
    assert isinstance(first, str)
    built = Path(first)
    assert built == cached_model_path(tmp_path / "cache") and built.is_file()
    assert built.stat().st_mode & 0o044 == 0o044  # readable by the image's other users
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [built.name]  # no partial left
    stamp = built.stat().st_mtime_ns, built.stat().st_ino
    assert int8_model(tmp_path / "cache") == first
    assert (built.stat().st_mtime_ns, built.stat().st_ino) == stamp  # not built again

    monkeypatch.setattr(minilm_model, "RECIPE", "another recipe")
    other = cached_model_path(tmp_path / "cache")
    assert other != built and not other.exists()


def test_built_in_memory_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    model = int8_model(blocker / "cache")
    assert isinstance(model, bytes)
    cached = int8_model(tmp_path / "cache")
    np.testing.assert_array_equal(
        _vector(model), _vector(cached)
    )  # the same recipe, the same graph


def test_products_run_in_int8(tmp_path: Path) -> None:
    model = int8_model(tmp_path)
    assert isinstance(model, str)
    import onnx

    graph = onnx.load(model).graph
    ops = collections.Counter(node.op_type for node in graph.node)
    # The 36 weight products of six layers (Q, K, V, out, two FFN) are integer kernels now;
    # what is left in float32 is attention's activation-by-activation products.
    assert ops["MatMulInteger"] + ops["DynamicQuantizeMatMul"] >= 36, ops
    weights = {i.name for i in graph.initializer}
    float_weight_products = [
        n.name for n in graph.node if n.op_type == "MatMul" and weights & set(n.input)
    ]
    assert float_weight_products == []


def test_the_configured_embedder_builds_into_the_configured_cache(tmp_path: Path) -> None:
    from warmtransfer.rag.embeddings import build_embedder

    embedder = build_embedder({"WARMTRANSFER_MODEL_CACHE": str(tmp_path)})
    assert [p.name for p in tmp_path.iterdir()] == [cached_model_path(tmp_path).name]
    assert embedder.embed([TEXT]).shape == (1, 384)
