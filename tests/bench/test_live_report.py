"""bench.live's report: segments a live call's index cannot take yet are not counted late."""

from __future__ import annotations

from bench.live import indexable_through


def test_the_unsettled_tail_of_each_live_call_is_left_out_of_the_late_count() -> None:
    records = {f"c{i}": [[float(seq), 0.0, 1.0] for seq in range(1, 41)] for i in range(5)}
    records["short"] = [[1.0, 0.0, 1.0], [2.0, 0.0, 1.0]]
    through = indexable_through(records)
    # Every long call has settled turns to index, and a tail that waits for what comes next.
    assert all(0 < through[f"c{i}"] < 40 for i in range(5)), through
    assert through["short"] == 0  # two segments: nothing is settled yet
