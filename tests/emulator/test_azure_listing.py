"""Listings: the filter grammar, orderby, skip/top paging with nextLink, provider status, quotas."""

from __future__ import annotations

import pytest
import requests
from azure_support import (
    BELL,
    CLASSIC,
    IONQ,
    ISING,
    LATEST,
    AzureWire,
    advance_clock,
    azure_error,
    new_id,
    patch_config,
)


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


@pytest.fixture
def five_jobs(wire, emulator) -> list[str]:
    """alpha-0..2 on ionq (alpha-1 cancelled), beta-3..4 historic QIO jobs planted in the
    workspace (the service takes no new QIO jobs); one second apart."""
    patch_config(emulator.url, queue_seconds=600)  # alpha-1 still cancellable, however slow
    ids = []
    for i in range(5):
        if i < 3:
            job = wire.submit(IONQ, BELL, {"shots": 5}, name=f"alpha-{i}")
        else:
            job = {"id": wire.plant_qio(ISING, name=f"beta-{i}", age_seconds=0.003)}
        ids.append(job["id"])
        if i == 1:
            assert wire.call("POST", f"/jobs/{job['id']}:cancel").status_code == 200
        advance_clock(emulator.url, 1)
    for job_id in ids:
        wire.wait(job_id)
    return ids


def names(page: dict) -> list[str]:
    return [job["name"] for job in page["value"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("startswith(Name, 'alpha')", ["alpha-0", "alpha-1", "alpha-2"]),
        ("ProviderId eq 'microsoft'", ["beta-3", "beta-4"]),
        ("ProviderId eq 'IonQ' and Target eq 'ionq.simulator'", ["alpha-0", "alpha-1", "alpha-2"]),
        ("State eq 'Cancelled'", ["alpha-1"]),
        ("State ne 'Cancelled' and startswith(Name, 'alpha')", ["alpha-0", "alpha-2"]),
        ("(ProviderId eq 'ionq' or ProviderId eq 'microsoft') and Name eq 'beta-4'", ["beta-4"]),
        ("JobType eq 'Optimization'", ["beta-3", "beta-4"]),
        ("not (JobType eq 'Optimization') and Status eq 'Succeeded'", ["alpha-0", "alpha-2"]),
        ("ItemType eq 'Job' and SessionId eq null and Name eq 'alpha-0'", ["alpha-0"]),
        ("$ItemType eq 'Job' and Name in ('alpha-2', 'beta-3')", ["alpha-2", "beta-3"]),
        ("endswith(Name, '-4') or contains(Name, 'a-0')", ["alpha-0", "beta-4"]),
        ("CreationTime ge 2000-01-01 and CreationTime le 2999-12-31", None),
        ("CreationTime lt 2000-01-01T00:00:00Z", []),
    ],
)
def test_filter_grammar_selects_jobs(wire, five_jobs, expression, expected):
    page = wire.list(filter=expression)
    everything = ["alpha-0", "alpha-1", "alpha-2", "beta-3", "beta-4"]
    assert sorted(names(page)) == (everything if expected is None else expected)


@pytest.mark.parametrize(
    ("vocabulary", "shown", "other"),
    [("legacy", "Succeeded", "Completed"), ("current", "Completed", "Succeeded")],
)
def test_status_filter_matches_only_the_words_jobs_show(
    wire, five_jobs, emulator, vocabulary, shown, other
):
    patch_config(emulator.url, azure_status_words=vocabulary)
    for version in (CLASSIC, LATEST):
        versioned = wire.with_version(version)
        page = versioned.list(filter=f"State eq '{shown.lower()}'")
        assert len(page["value"]) == 4 and {job["status"] for job in page["value"]} == {shown}
        assert versioned.list(filter=f"State eq '{other}'")["value"] == []
        both = versioned.list(filter=f"(State eq '{shown}' or State eq '{other}')")
        assert len(both["value"]) == 4


def test_creation_time_date_filter_compares_calendar_days(wire, five_jobs):
    created = wire.get_job(five_jobs[0])["creationTime"][:10]
    assert len(wire.list(filter=f"CreationTime le {created}")["value"]) == 5
    assert len(wire.list(filter=f"CreationTime ge {created}")["value"]) == 5
    assert wire.list(filter=f"CreationTime gt {created}")["value"] == []


def test_orderby_creation_time_desc_and_by_name(wire, five_jobs):
    assert names(wire.list(orderby="CreationTime desc")) == [
        "beta-4",
        "beta-3",
        "alpha-2",
        "alpha-1",
        "alpha-0",
    ]
    assert names(wire.list(orderby="ProviderId desc, Name asc")) == [
        "beta-3",
        "beta-4",
        "alpha-0",
        "alpha-1",
        "alpha-2",
    ]


def test_top_and_skip_page_through_jobs_and_next_link_is_absolute(wire, emulator, five_jobs):
    first = wire.list(top=2, orderby="Name asc")
    assert names(first) == ["alpha-0", "alpha-1"]
    link = first["nextLink"]
    assert link.startswith(f"{emulator.url}/subscriptions/") and "skip=2" in link
    seen = names(first)
    while link:
        page = requests.get(link, headers=wire.headers(), timeout=5).json()
        seen += names(page)
        link = page["nextLink"]
    assert seen == ["alpha-0", "alpha-1", "alpha-2", "beta-3", "beta-4"]
    assert names(wire.list(skip=4, top=100)) == ["beta-4"]
    assert wire.list(skip=0, top=100)["nextLink"] is None


def test_next_link_keeps_the_filter(wire, five_jobs):
    page = wire.list(filter="startswith(Name, 'alpha')", top=2)
    follow = requests.get(page["nextLink"], headers=wire.headers(), timeout=5).json()
    assert names(follow) == ["alpha-2"] and follow["nextLink"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "Name eq"},
        {"filter": "Colour eq 'red'"},
        {"filter": "startswith(Name 'a')"},
        {"filter": "Name eq 'unterminated"},
        {"filter": "CreationTime ge 'yesterday'"},
        {"filter": "Name eq 'a' xor Name eq 'b'"},
        {"orderby": "Colour desc"},
        {"orderby": "Name sideways"},
        {"top": "0"},
        {"top": "many"},
        {"skip": "-1"},
    ],
)
def test_bad_listing_queries_are_400_with_a_reason(wire, params):
    status, code, message = azure_error(wire.call("GET", "/jobs", params=params))
    assert status == 400 and code in ("InvalidFilter", "InvalidQueryParameter")
    assert len(message) > 20


def test_provider_status_lists_providers_with_targets_and_pages(wire):
    page = wire.list("/providerStatus")
    assert page["nextLink"] is None
    by_id = {provider["id"]: provider for provider in page["value"]}
    assert set(by_id) == {"microsoft-qc", "ionq", "quantinuum", "rigetti", "pasqal"}
    ionq = {target["id"] for target in by_id["ionq"]["targets"]}
    assert ionq == {
        "ionq.simulator",
        "ionq.qpu.aria-1",
        "ionq.qpu.forte-1",
        "ionq.qpu.forte-enterprise-1",
    }
    assert [t["id"] for t in by_id["microsoft-qc"]["targets"]] == ["microsoft.estimator"]
    for provider in page["value"]:
        assert provider["currentAvailability"] in ("Available", "Degraded", "Unavailable")
        for target in provider["targets"]:
            assert isinstance(target["averageQueueTime"], int)
    first = wire.list("/providerStatus", top=1)
    assert len(first["value"]) == 1 and first["nextLink"]
    second = requests.get(first["nextLink"], headers=wire.headers(), timeout=5).json()
    assert second["value"][0]["id"] != first["value"][0]["id"]


def test_quotas_are_paged_and_follow_the_workspace_s_jobs(wire):
    page = wire.list("/quotas")
    assert page["nextLink"] is None
    keys = {"dimension", "scope", "providerId", "utilization", "holds", "limit", "period"}
    assert all(set(quota) == keys for quota in page["value"])
    kind = ("ionq", "ionq.qpu.aria-1", *IONQ[2:])
    wire.wait(wire.submit(kind, BELL, {"shots": 10})["id"])
    quotas = wire.list("/quotas")["value"]
    used = {q["dimension"]: q["utilization"] for q in quotas}
    assert used["qgs"] == 20
    # Microsoft's quotas as the 2026-01-15-preview example names them.
    microsoft = {(q["dimension"], q["scope"]) for q in quotas if q["providerId"] == "Microsoft"}
    assert microsoft == {
        ("free_combined_job_hours", "Subscription"),
        ("free_combined_job_hours", "Workspace"),
        ("free_fpga_job_hours", "Workspace"),
        ("concurrent_cpu_jobs", "Workspace"),
        ("concurrent_fpga_jobs", "Workspace"),
    }


def test_top_level_items_list_sessions_and_jobs_outside_sessions(wire):
    session_id = new_id()
    body = {"name": "s", "providerId": "ionq", "target": "ionq.simulator", "itemType": "Session"}
    assert wire.call("PUT", f"/sessions/{session_id}", json=body).status_code == 200
    inside = wire.submit(IONQ, BELL, sessionId=session_id)["id"]
    outside = wire.submit(IONQ, BELL)["id"]
    items = wire.list("/topLevelItems")["value"]
    assert [(item["id"], item["itemType"]) for item in items] == [
        (session_id, "Session"),
        (outside, "Job"),
    ]
    assert inside not in {item["id"] for item in items}
    sessions_only = wire.list("/topLevelItems", filter="ItemType eq 'Session'")["value"]
    assert [item["id"] for item in sessions_only] == [session_id]
