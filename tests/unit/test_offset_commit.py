"""The offset arithmetic of streams/offset_guard.py: a commit passes only offsets acknowledged here
or known to be absent from the log, and a hole at the head is read again unless it is absent or
still being handled."""
from __future__ import annotations

from siaga.streams.offset_guard import READ_AGAIN_ANYWAY_S, next_commit, plan_for_hole


def test_a_commit_runs_from_the_head_over_what_was_acknowledged():
    assert next_commit(10, {10, 11, 12, 14}, set()) == 13


def test_one_unacknowledged_offset_at_the_head_holds_the_commit():
    # faust-streaming #606: committed 2585, acknowledged 2586.. -> Faust committed 2590.
    assert next_commit(2585, {2586, 2587, 2588, 2589}, set()) is None


def test_offsets_absent_from_the_log_are_passed():
    assert next_commit(5, {5, 6, 9, 10}, {7, 8}) == 11
    assert next_commit(5, {8}, {5, 6, 7}) == 9


def test_nothing_is_committed_while_the_head_is_unknown():
    assert next_commit(None, {0, 1, 2}, set()) is None


def test_a_hole_present_in_the_log_and_handled_by_nobody_is_read_again():
    plan = plan_for_hole(100, {102, 103}, present={100, 101, 102, 103}, in_flight=set(), stuck_s=20)
    assert plan.read_again and plan.absent == frozenset()


def test_a_hole_absent_from_the_log_is_passed_without_reading_again():
    plan = plan_for_hole(100, {103}, present={103}, in_flight=set(), stuck_s=20)
    assert not plan.read_again and plan.absent == {100, 101, 102}


def test_a_hole_still_being_handled_is_waited_for_then_read_again():
    present = {100, 101, 102}
    assert not plan_for_hole(100, {102}, present, in_flight={100, 101}, stuck_s=20).read_again
    assert plan_for_hole(100, {102}, present, in_flight={100}, stuck_s=20).read_again
    assert plan_for_hole(100, {102}, present, in_flight={100, 101}, stuck_s=READ_AGAIN_ANYWAY_S).read_again
