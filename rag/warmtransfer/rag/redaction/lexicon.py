"""What a word is likely to be: a given name, a surname, an English word, and how common.

Read from `name_data/names.tsv.gz` (built by `gazetteer_build` from the `names-dataset` and
`wordfreq` packages): about 466,000 given names and surnames that rank in the top 5,000 of at
least one of 105 countries, and the 40,000 most frequent English words, each with its frequency
in English on the Zipf scale (log10 of occurrences per billion words: "the" 7.7, "email" 4.7,
"okonkwo" 1.9, a word English does not use 0).

The words are kept as 64-bit hashes in one sorted array beside one byte of flags each (about 9
bytes a word instead of about 100 in a dict of strings), so every redaction worker can hold
half a million names: `Lexicon.shared()` loads once per process (about 0.2 s). Lookups are
lower-cased.
"""

from __future__ import annotations

import gzip
import importlib.resources
import io
import threading
from collections.abc import Sequence
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

__all__ = ["Lexicon", "Word"]

_FILE: Final = "names.tsv.gz"
# Words looked up are remembered, up to this many (a call's words repeat; a lookup in the
# array costs about 3 us, in the memo about 0.1 us).
_MEMO_WORDS: Final = 100_000


class Word:
    """One word's entry: name flags and its Zipf frequency in English."""

    __slots__ = ("first", "last", "zipf")

    def __init__(self, first: bool, last: bool, zipf: float) -> None:
        self.first = first
        self.last = last
        self.zipf = zipf

    @property
    def name(self) -> bool:
        return self.first or self.last


_UNKNOWN: Final = Word(False, False, 0.0)


def _key(word: str) -> int:
    # The interpreter's own string hash: 64 bits, fast, and the same for the life of the
    # process, which is as long as the table lives (it is built at load, never stored).
    return hash(word) & 0xFFFF_FFFF_FFFF_FFFF


_KIND_BITS: Final = {"": 0, "F": 0x80, "L": 0x40, "FL": 0xC0}


def _packed(
    words: Sequence[str], kinds: Sequence[str], zipfs: Sequence[int]
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
    """Keys and values: bit 7 a given name, bit 6 a surname, bits 0-5 the Zipf frequency in
    steps of 0.2."""
    keys = np.fromiter(map(_key, words), dtype=np.uint64, count=len(words))
    flags = np.fromiter(map(_KIND_BITS.__getitem__, kinds), dtype=np.uint8, count=len(kinds))
    steps = np.minimum(np.rint(np.asarray(zipfs, dtype=np.float64) / 2), 63).astype(np.uint8)
    return keys, flags | steps


def _unpacked(packed: int) -> Word:
    return Word(bool(packed & 0x80), bool(packed & 0x40), (packed & 0x3F) / 5)


class Lexicon:
    _shared: ClassVar[Lexicon | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.uint8]) -> None:
        order = np.argsort(keys)
        self._keys: npt.NDArray[np.uint64] = keys[order]
        self._values: npt.NDArray[np.uint8] = values[order]
        self._memo: dict[str, Word] = {}

    @classmethod
    def shared(cls) -> Lexicon:
        """The lexicon of the packaged word list, loaded once per process."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls.load()
            return cls._shared

    @classmethod
    def load(cls) -> Lexicon:
        data = importlib.resources.files("warmtransfer.rag.redaction").joinpath("name_data", _FILE)
        keys, values = [], []
        with gzip.open(io.BytesIO(data.read_bytes()), "rt", encoding="utf-8") as lines:
            # A block at a time, so the strings of half a million lines never live at once.
            while block := lines.readlines(1 << 20):
                columns = "".join(block).rstrip("\n").replace("\n", "\t").split("\t")
                k, v = _packed(columns[0::3], columns[1::3], [int(z) for z in columns[2::3]])
                keys.append(k)
                values.append(v)
        return cls(np.concatenate(keys), np.concatenate(values))

    def __len__(self) -> int:
        return len(self._keys)

    def _packed(self, word: str) -> int | None:
        key = _key(word)
        i = int(np.searchsorted(self._keys, np.uint64(key)))
        if i < len(self._keys) and int(self._keys[i]) == key:
            return int(self._values[i])
        return None

    def word(self, text: str) -> Word:
        """The entry of `text` (any case); an unknown word is no name and not English. A
        hyphenated word not listed whole ("Seo-yeon") is a name when each part is one."""
        found = self._memo.get(text)
        if found is None:
            if len(self._memo) >= _MEMO_WORDS:
                self._memo.clear()
            found = self._memo[text] = self._lookup(text)
        return found

    def _lookup(self, text: str) -> Word:
        low = text.lower()
        packed = self._packed(low)
        if packed is not None:
            return _unpacked(packed)
        if "-" in low:
            parts = [_unpacked(self._packed(part) or 0) for part in low.split("-")]
            if all(p.name for p in parts):
                return Word(parts[0].first, parts[-1].last, max(p.zipf for p in parts))
        return _UNKNOWN

    def is_name(self, text: str) -> bool:
        return self.word(text).name

    def zipf(self, text: str) -> float:
        return self.word(text).zipf
