"""The second development set for addresses (bench/redaction_world_addresses.py): the committed
file is what the module writes, in both forms, with labels on the values."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import bench.redaction_world_addresses as world
from bench.eval_redaction import load_cases


def test_the_committed_set_is_what_the_module_writes() -> None:
    assert world.WORLD_ADDRESSES_PATH.read_text(encoding="utf-8") == world.render(
        world.build_cases()
    )


def test_the_set_reads_no_clock() -> None:
    source = inspect.getsource(world)
    assert "datetime" not in source and "date." not in source and "time." not in source


def test_every_case_comes_written_and_spoken_with_the_same_labels() -> None:
    cases = {case.id: case for case in load_cases(world.WORLD_ADDRESSES_PATH)}
    assert len(cases) == 2 * len(world.LOCALES) * world.CASES_PER_LOCALE
    for case_id, written in cases.items():
        if not case_id.endswith(".written"):
            continue
        spoken = cases[case_id.removesuffix(".written") + ".spoken"]
        assert [len(s) for s in spoken.labels] == [len(s) for s in written.labels]
        for segment, labels in zip(spoken.segments, spoken.labels, strict=True):
            assert segment.text[1:] == segment.text[1:].lower()  # raw speech-to-text
            assert not any(ch.isdigit() for ch in segment.text)  # numbers said as words
            for label in labels:
                assert label.entity_type == "STREET_ADDRESS"
                assert (
                    segment.text[label.start : label.end].strip()
                    == segment.text[label.start : label.end]
                )


def test_spoken_numbers_are_said_as_a_house_number_or_digit_by_digit() -> None:
    assert world.speak("Lindenstraße 12, 10115 Berlin") == (
        "lindenstraße twelve one zero one one five berlin"
    )
    assert world.speak("Rue d'Alésia 7/6") == "rue d'alésia seven six"


def test_the_set_is_the_same_whatever_the_interpreters_hash_seed() -> None:
    # Faker draws some values from sets, whose order follows the hash seed of the process.
    code = "import bench.redaction_world_addresses as w; print(w.render(w.build_cases()))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env=os.environ | {"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
