"""The emulator's read-only job page: state, timestamps and a result summary of one job."""

from __future__ import annotations

import html
import re

import pytest
import requests
from azure_support import BELL, IONQ, AzureWire, patch_config
from ibm_support import IBMWire, bitarray_counts, pub_data

from airflow_quantum.clients.portal import EMULATOR_JOB_PAGE, azure_job_url, ibm_job_url
from airflow_quantum_emulator.pages import JOB_PAGE_PATH

#: A Bell pair as an ISA circuit of ibm_fez (basis cz, id, rz, sx, x; coupled pair (0, 1)).
ISA_BELL = (
    'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; '
    "rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1]; "
    "c[0] = measure q[0]; c[1] = measure q[1];"
)
ISO_TIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"


def rows(page: str) -> dict[str, str]:
    """The page's table as {heading: cell text}."""
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", page)
    }


def fetch(url: str, job_id: str) -> requests.Response:
    answer = requests.get(url + JOB_PAGE_PATH.format(job_id=job_id), timeout=10)
    assert answer.headers["content-type"].startswith("text/html")
    return answer


def test_the_links_and_the_emulator_agree_on_the_page_path():
    assert JOB_PAGE_PATH == EMULATOR_JOB_PAGE


def test_a_queued_azure_job_shows_its_state_and_no_result_yet(emulator):
    patch_config(emulator.url, queue_seconds=60, run_seconds=1)
    job_id = AzureWire(emulator.url).submit(IONQ, BELL)["id"]
    answer = fetch(emulator.url, job_id)
    assert answer.status_code == 200
    table = rows(answer.text)
    assert table["State"] == "queued" and table["Backend / target"] == "ionq.simulator"
    assert re.fullmatch(ISO_TIME, table["Created"]) and table["Ended"] == "-"
    assert "No result: the job is queued." in answer.text


def test_a_succeeded_azure_job_shows_timestamps_and_its_histogram(emulator):
    wire = AzureWire(emulator.url)
    details, result = wire.run(IONQ, BELL, {"shots": 100})
    table = rows(fetch(emulator.url, details["id"]).text)
    assert table["Vendor"] == "Azure Quantum" and table["State"] == "succeeded"
    for stamp in ("Created", "Started", "Ended"):
        assert re.fullmatch(ISO_TIME, table[stamp]), table
    assert table["Created"] <= table["Started"] <= table["Ended"]
    page = fetch(emulator.url, details["id"]).text
    histogram = result["histogram"]
    assert f"Histogram of {len(histogram)} outcome(s)" in page
    assert max(histogram, key=histogram.get) in page


def test_a_succeeded_ibm_job_shows_its_pub_results(emulator):
    wire = IBMWire(emulator.url)
    job_id = wire.submit("sampler", [[ISA_BELL, None, 64]])
    wire.finished(job_id)
    page = fetch(emulator.url, job_id).text
    table = rows(page)
    assert table["Vendor"] == "IBM Quantum" and table["Backend / target"] == "ibm_fez"
    assert table["State"] == "succeeded" and re.fullmatch(ISO_TIME, table["Ended"])
    assert "1 PUB result(s) (SamplerPubResult)" in page


def test_an_ibm_sampler_page_shows_counts_per_pub_and_register_not_encoded_json(emulator):
    wire = IBMWire(emulator.url)
    job_id = wire.submit("sampler", [[ISA_BELL, None, 64], [ISA_BELL, None, 32]])
    wire.finished(job_id)
    counts = [bitarray_counts(pub_data(wire.results(job_id), i)["fields"]["c"])[1] for i in (0, 1)]
    page = fetch(emulator.url, job_id).text
    assert "__type__" not in page and "BitArray" not in page
    for index, (found, shots) in enumerate(zip(counts, (64, 32), strict=True)):
        section = page.split(f"<h3>pub {index}, register c: {shots} shots</h3><pre>")[1]
        histogram = section.split("</pre>")[0]
        for outcome, count in found.items():
            assert re.search(rf"^{outcome}  █+ {count}$", histogram, re.MULTILINE), histogram


def test_an_ibm_estimator_page_shows_expectation_values(emulator):
    wire = IBMWire(emulator.url)
    circuit = ISA_BELL.split("c[0] = measure")[0].replace("bit[2] c; ", "")
    job_id = wire.submit("estimator", [[circuit, ["ZZ", "XX"]]])
    wire.finished(job_id)
    page = fetch(emulator.url, job_id).text
    assert "<h3>pub 0: 2 expectation value(s)</h3>" in page
    section = page.split("<h3>pub 0: 2 expectation value(s)</h3><pre>")[1].split("</pre>")[0]
    values = re.findall(r"^(\d): ([+-]\d\.\d{4}) ± \d\.\d{4}$", section, re.MULTILINE)
    assert [index for index, _ in values] == ["0", "1"]
    assert all(float(ev) > 0.9 for _, ev in values)  # <ZZ> = <XX> = 1 for a Bell pair


def test_a_failed_job_shows_its_error(emulator):
    patch_config(emulator.url, queue_seconds=60, run_seconds=1)
    job_id = AzureWire(emulator.url).submit(IONQ, BELL)["id"]
    failed = requests.post(
        f"{emulator.url}/_emulator/jobs/{job_id}/fail",
        json={"code": "InvalidInput", "message": "the <circuit> was wrong"},
        timeout=10,
    )
    assert failed.status_code == 200, failed.text
    page = fetch(emulator.url, job_id).text
    assert rows(page)["Error"] == "InvalidInput: the <circuit> was wrong"
    assert "<circuit>" not in page  # escaped, never markup


def test_an_unknown_job_is_a_404(emulator):
    answer = requests.get(emulator.url + JOB_PAGE_PATH.format(job_id="nope"), timeout=10)
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (None, "https://portal.azure.com/#@t/resource/subscriptions/s/"),
        ("https://eastus.quantum.azure.com", "https://portal.azure.com/#@t/resource/"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/_emulator/jobs/j1/page"),
        ("http://emulator:8765/", "http://emulator:8765/_emulator/jobs/j1/page"),
    ],
)
def test_azure_link_of_a_real_or_an_emulator_connection(endpoint, expected):
    assert azure_job_url("s", "rg", "ws", "j1", "t", endpoint=endpoint).startswith(expected)


@pytest.mark.parametrize(
    ("runtime_url", "expected"),
    [
        (None, "https://quantum.cloud.ibm.com/workloads?search=j1"),
        (
            "https://quantum.cloud.ibm.com/api/v1",
            "https://quantum.cloud.ibm.com/workloads?search=j1",
        ),
        ("https://private.eu-de.quantum.cloud.ibm.com/api/v1", "https://quantum.cloud.ibm.com/"),
        ("http://127.0.0.1:8765/api/v1", "http://127.0.0.1:8765/_emulator/jobs/j1/page"),
    ],
)
def test_ibm_link_of_a_real_or_an_emulator_connection(runtime_url, expected):
    assert ibm_job_url("j1", runtime_url).startswith(expected)
