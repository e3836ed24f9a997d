"""The local embedding's CPU per text, as the server's indexer spends it: the chunks (speaker
turns) of the live capacity benchmark's calls (`bench.live.call_scripts`), embedded 64 at a time
on one thread, and the history questions of the retrieval set embedded one at a time, as
`SearchContext` does.

    python -m bench.embedding_cost
    python -m bench.embedding_cost --baseline ../old     # the embedder of another tree, same text

With `--baseline` the embedder is imported from that tree (its `rag` package); the text is this
tree's. Run both in one sitting: the machine is shared, and the same work measured an hour apart
differs by more than these trees do.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench.common import measured_trees

CALLS = 60
BATCH = 64
ROLES = {"caller": 1, "agent": 2}


def chunk_texts() -> list[str]:
    """The text of every chunk the indexer would embed for `CALLS` scripted calls."""
    from bench.live import call_scripts
    from warmtransfer.rag.chunking import TurnSegment, chunks_of, cut_turns

    texts: list[str] = []
    for script in call_scripts(CALLS):
        segments = [
            TurnSegment(seq, speaker, ROLES[speaker], text, seq * 2000, seq * 2000 + 1900)
            for seq, (speaker, text) in enumerate(script, 1)
        ]
        turns, _ = cut_turns(segments, call_ended=True)
        chunks = chunks_of(
            turns, tenant_id="t", call_id="c", customer_id="", call_started_at_us=0, first_index=0
        )
        texts.extend(chunk.text for chunk in chunks)
    return texts


def questions() -> list[str]:
    from bench.eval_retrieval import DATA_PATH

    return [q["question"] for q in json.loads(DATA_PATH.read_text())["questions"]]


def measure() -> dict[str, Any]:
    from warmtransfer.rag.embeddings import MiniLMEmbedder, load_minilm_tokenizer

    start = time.perf_counter()
    embedder = MiniLMEmbedder(threads=1)
    load_s = time.perf_counter() - start
    chunks, asked = chunk_texts(), questions()
    embedder.embed(chunks[:BATCH])  # warm
    start = time.process_time()
    for i in range(0, len(chunks), BATCH):
        embedder.embed(chunks[i : i + BATCH])
    chunk_s = time.process_time() - start
    start = time.process_time()
    for question in asked:
        embedder.embed([question])
    question_s = time.process_time() - start
    pieces = [len(e.ids) for e in load_minilm_tokenizer().encode_batch(chunks)]
    return {
        "chunks": len(chunks),
        "pieces_per_chunk": sum(pieces) / len(pieces),
        "chunk_ms": 1000 * chunk_s / len(chunks),
        "questions": len(asked),
        "question_ms": 1000 * question_s / len(asked),
        "load_s": load_s,
    }


def main() -> None:
    runs = measured_trees(
        "bench.embedding_cost", __doc__, "also measure the embedder of this source tree"
    )
    if runs is None:
        return
    first = runs["this tree"]
    print(
        f"local embedding CPU, one thread ({first['chunks']:,} chunks of {CALLS} calls, "
        f"{first['pieces_per_chunk']:.1f} word pieces each; {first['questions']} questions)"
    )
    print("| | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    rows = (
        ("CPU per chunk, batches of 64 (ms)", "chunk_ms", "{:.2f}"),
        ("CPU per question, one at a time (ms)", "question_ms", "{:.2f}"),
        ("model load (s)", "load_s", "{:.2f}"),
    )
    for label, key, fmt in rows:
        print(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in runs.values()) + " |")


if __name__ == "__main__":
    main()
