"""Execution windows of Braket devices: when a task created at a given moment may start."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_quantum_emulator.braket.windows import next_open, validate_window


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def window(day: str, start: str, end: str) -> dict[str, str]:
    return {"executionDay": day, "windowStartHour": start, "windowEndHour": end}


def test_inside_a_window_a_task_may_start_at_once():
    moment = at("2026-12-07T10:30:00")  # a Monday
    assert next_open([window("Everyday", "00:00", "23:59")], moment) == moment
    assert next_open([window("Monday", "10:00", "11:00")], moment) == moment


def test_the_end_minute_belongs_to_the_window():
    everyday = [window("Everyday", "00:00", "23:59")]
    assert next_open(everyday, at("2026-12-07T23:59:30")) == at("2026-12-07T23:59:30")
    short = [window("Everyday", "09:00", "09:05")]
    assert next_open(short, at("2026-12-07T09:06:00")) == at("2026-12-08T09:00:00")


def test_before_and_after_a_window_the_next_opening_is_named():
    weekdays = [window("Weekdays", "13:00", "15:00")]
    assert next_open(weekdays, at("2026-12-07T08:00:00")) == at("2026-12-07T13:00:00")
    assert next_open(weekdays, at("2026-12-11T16:00:00")) == at("2026-12-14T13:00:00")  # Fri→Mon
    weekend = [window("Weekend", "00:00", "23:59")]
    assert next_open(weekend, at("2026-12-09T12:00:00")) == at("2026-12-12T00:00:00")


def test_a_window_ending_before_it_starts_runs_past_midnight():
    night = [window("Friday", "22:00", "02:00")]
    assert next_open(night, at("2026-12-12T01:00:00")) == at("2026-12-12T01:00:00")  # Sat 1 am
    assert next_open(night, at("2026-12-12T03:00:00")) == at("2026-12-18T22:00:00")


def test_the_earliest_of_several_windows_wins_and_none_means_never():
    windows = [window("Tuesday", "08:00", "09:00"), window("Monday", "20:00", "21:00")]
    assert next_open(windows, at("2026-12-07T12:00:00")) == at("2026-12-07T20:00:00")
    assert next_open([], at("2026-12-07T12:00:00")) is None


@pytest.mark.parametrize(
    "bad",
    [
        window("Someday", "00:00", "01:00"),
        window("Everyday", "25:00", "01:00"),
        window("Everyday", "1", "x"),
    ],
)
def test_windows_the_schema_would_refuse_are_refused(bad):
    with pytest.raises(ValueError):
        validate_window(bad)
