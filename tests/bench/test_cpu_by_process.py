"""The benchmarks split a server's CPU by process, each worker under its own name."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.common import cpu_by_process

_CHILD = """
import time
with open("/proc/self/comm", "w") as comm:
    comm.write("redaction-3")
start = time.process_time()
while time.process_time() - start < 0.3:
    pass
print("spun", flush=True)
input()
"""


def test_a_named_child_is_counted_under_its_name_without_its_number() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "spun"
        split = cpu_by_process(os.getpid())
        assert split["redaction"] >= 0.3
        assert split["server"] > 0  # this process: the root of the tree
    finally:
        child.communicate("\n", timeout=60)
