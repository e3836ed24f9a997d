"""The second development sets, of addresses (bench/redaction_world_addresses.py) and of names
(bench/redaction_world_names.py): each committed file is what its module writes, on any day and
with any hash seed, in both forms, with labels on the values."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import bench.redaction_world_addresses as addresses
import bench.redaction_world_names as names
from bench.eval_redaction import load_cases

SETS = {
    "addresses": (addresses, addresses.WORLD_ADDRESSES_PATH, "STREET_ADDRESS"),
    "names": (names, names.WORLD_NAMES_PATH, "PERSON"),
}


@pytest.mark.parametrize("which", SETS)
def test_the_committed_set_is_what_the_module_writes(which: str) -> None:
    module, path, _ = SETS[which]
    assert path.read_text(encoding="utf-8") == module.render(module.build_cases())


@pytest.mark.parametrize("which", SETS)
def test_the_set_reads_no_clock(which: str) -> None:
    source = inspect.getsource(SETS[which][0])
    assert "datetime" not in source and "date." not in source and "time." not in source


@pytest.mark.parametrize("which", SETS)
def test_the_set_is_the_same_whatever_the_interpreters_hash_seed(which: str) -> None:
    # Faker draws some values from sets, whose order follows the hash seed of the process.
    module: ModuleType = SETS[which][0]
    code = f"import {module.__name__} as m; print(m.render(m.build_cases()))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env=os.environ | {"PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


@pytest.mark.parametrize("which", SETS)
def test_every_case_comes_written_and_spoken_with_the_same_labels(which: str) -> None:
    module, path, entity_type = SETS[which]
    cases = {case.id: case for case in load_cases(path)}
    assert len(cases) == 2 * len(module.LOCALES) * module.CASES_PER_LOCALE
    for case_id, written in cases.items():
        if not case_id.endswith(".written"):
            continue
        spoken = cases[case_id.removesuffix(".written") + ".spoken"]
        assert [len(s) for s in spoken.labels] == [len(s) for s in written.labels]
        for segment, labels in zip(spoken.segments, spoken.labels, strict=True):
            assert segment.text[1:] == segment.text[1:].lower()  # raw speech-to-text
            assert not any(ch.isdigit() for ch in segment.text)  # numbers said as words
            assert not any(ch in segment.text for ch in ",.?!-")
            for label in labels:
                span = segment.text[label.start : label.end]
                assert label.entity_type == entity_type and span and span == span.strip()


def test_spoken_addresses_say_a_house_number_as_one_and_a_postcode_digit_by_digit() -> None:
    assert addresses.speak("Lindenstraße 12, 10115 Berlin") == (
        "lindenstraße twelve one zero one one five berlin"
    )
    assert addresses.speak("Rue d'Alésia 7/6") == "rue d'alésia seven six"


def test_spoken_names_keep_their_letters() -> None:
    assert names.speak("Zeynelabidin Çamurcuoğlu, Hans-Joachim!") == (
        "zeynelabidin çamurcuoğlu hans joachim"
    )
