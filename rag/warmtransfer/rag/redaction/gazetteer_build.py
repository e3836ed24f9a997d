"""Builds the word list (`name_data/names.tsv.gz`) that `lexicon.Lexicon` reads.

    python -m warmtransfer.rag.redaction.gazetteer_build

Source: the `names-dataset` package (3.3.1, Apache-2.0: first and last names with their rank in
each of 105 countries, from a public social network's profiles). A name is kept when it ranks
within the top `TOP_RANK` of at least one country, is one word of letters (hyphens and
apostrophes inside), and is at least two letters long. The `ENGLISH_WORDS` most frequent English
words (wordfreq 3.1.1, MIT, its data CC BY-SA) join them. Each line holds the lower-cased word,
whether it is a first name (F), a last name (L), both or neither, and how common it is as an
English word (wordfreq's Zipf frequency x 10; 0 for a word English does not use), so the
recognizers can tell "okonkwo" (only a name) from "will" or "grant" (names, and English words
too), and "garibaldi" from "email".

Only this builder needs `names-dataset` and `wordfreq` (development extras); the server reads the
committed file. The output depends only on those two packages' data: rebuilding it with the
pinned versions reproduces the committed file byte for byte (a test checks it when they are
installed).
"""

from __future__ import annotations

import gzip
import io
import pickle
import re
from pathlib import Path

__all__ = ["ENGLISH_WORDS", "OUTPUT", "TOP_RANK", "build", "main"]

TOP_RANK = 5000
ENGLISH_WORDS = 40_000
OUTPUT = Path(__file__).resolve().parent / "name_data" / "names.tsv.gz"
_WORD = re.compile(r"[^\W\d_]{2,}(?:['\u2019-][^\W\d_]+)*")


def _names(kind: str) -> set[str]:
    import names_dataset  # type: ignore[import-untyped]

    path = Path(names_dataset.__file__).parent / "v3" / f"{kind}_names.pkl.gz"
    with gzip.open(path) as f:
        table = pickle.load(f)  # the package's own data file, as NameDataset loads it
    kept = set()
    for name, info in table.items():
        ranks = (info or {}).get("rank") or {}
        if ranks and min(ranks.values()) <= TOP_RANK and _WORD.fullmatch(name):
            kept.add(name.lower())
    return kept


def build() -> bytes:
    from wordfreq import top_n_list, zipf_frequency

    first, last = _names("first"), _names("last")
    english = {w for w in top_n_list("en", ENGLISH_WORDS) if _WORD.fullmatch(w)}
    out = io.StringIO()
    for word in sorted(first | last | english):
        kind = ("F" if word in first else "") + ("L" if word in last else "")
        zipf = round(zipf_frequency(word, "en") * 10)
        out.write(f"{word}\t{kind}\t{zipf}\n")
    # mtime=0: the same bytes on every build.
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main() -> None:
    data = build()
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
