"""The emulator's job page for Braket tasks: status word, task ARN and a counts histogram."""

from __future__ import annotations

import html
import re

import requests
from braket_wire import AQUILA, BraketWire, control, program, task_id
from test_braket_programs import AHS_PROGRAM, ROTATION, program_set

from airflow_quantum_emulator.pages import JOB_PAGE_PATH


def page(url: str, arn: str) -> str:
    answer = requests.get(url + JOB_PAGE_PATH.format(job_id=task_id(arn)), timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return html.unescape(answer.text)


def rows(text: str) -> dict[str, str]:
    return dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", text))


def test_a_completed_bell_task_shows_its_histogram(emulator):
    braket = BraketWire(emulator.url)
    arn = braket.submit(shots=64)
    braket.finished(arn)
    text = page(emulator.url, arn)
    table = rows(text)
    assert table["Vendor"] == "Amazon Braket"
    assert table["Task ARN"] == arn
    assert table["State"] == "COMPLETED"
    assert table["Shots"] == "64"
    assert "qubits [0, 1]: 64 shots" in text
    outcomes = re.findall(r"([01]{2})  █+ (\d+)", text)
    assert {outcome for outcome, _ in outcomes} <= {"00", "11"}
    assert sum(int(count) for _, count in outcomes) == 64


def test_a_queued_task_shows_its_braket_status_and_no_result(emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    braket = BraketWire(emulator.url)
    arn = braket.submit()
    control(emulator.url, "POST", f"braket/tasks/{task_id(arn)}/hold")
    text = page(emulator.url, arn)
    assert rows(text)["State"] == "QUEUED"
    assert "No result: the job is queued." in text


def test_program_sets_and_ahs_show_one_histogram_per_executable(emulator):
    iqm = BraketWire(emulator.url, region="eu-north-1")
    garnet = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
    arn = iqm.submit(
        garnet,
        action=program_set(program(), program(ROTATION, {"theta": [0.0, 3.14159]})),
        shots=30,
    )
    iqm.finished(arn)
    text = page(emulator.url, arn)
    assert "Program set result: 3 executable(s)." in text
    assert "program 1, inputs 1: 10 shots" in text
    east = BraketWire(emulator.url)
    ahs = east.submit(AQUILA, action=AHS_PROGRAM, shots=8)
    east.finished(ahs)
    assert "post-sequences of 8 shots" in page(emulator.url, ahs)
