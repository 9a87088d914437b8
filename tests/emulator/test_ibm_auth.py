"""IBM Cloud IAM and the runtime API's authentication, as the wire page describes them."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from ibm_support import APIKEY_GRANT, BELL, CRN, OTHER_CRN, IBMWire, advance_clock, ibm_error

IAM_FIELDS = {"access_token", "refresh_token", "token_type", "expires_in", "expiration", "scope"}


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _token(url: str, **form: str) -> requests.Response:
    return requests.post(f"{url}/identity/token", data=form, timeout=5)


def test_iam_exchanges_an_api_key_for_a_bearer_token_with_the_documented_fields(emulator):
    answer = _token(emulator.url, grant_type=APIKEY_GRANT, apikey="local-emulator-key")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == IAM_FIELDS
    assert body["refresh_token"] == "not_supported"
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "ibm_openid"
    assert body["expires_in"] == 3600
    assert abs(body["expiration"] - (time.time() + 3600)) < 5


def test_iam_access_token_is_a_jwt_with_exp_and_iat_as_the_official_client_decodes(emulator):
    body = _token(
        emulator.url,
        grant_type=APIKEY_GRANT,
        apikey="local-emulator-key",
        response_type="cloud_iam",
    ).json()
    claims = _claims(body["access_token"])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["exp"] == body["expiration"]


def test_iam_token_lifetime_follows_the_config_at_run_time(emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"ibm_token_lifetime": 120})
    body = _token(emulator.url, grant_type=APIKEY_GRANT, apikey="local-emulator-key").json()
    assert body["expires_in"] == 120


def test_iam_refuses_a_wrong_api_key_with_bxnim0415e(emulator):
    answer = _token(emulator.url, grant_type=APIKEY_GRANT, apikey="not-the-key")
    assert answer.status_code == 400
    body = answer.json()
    assert body["errorCode"] == "BXNIM0415E"
    assert "API key" in body["errorMessage"]
    assert body["context"]["requestId"]


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"grant_type": "password", "apikey": "local-emulator-key"}, "grant_type"),
        ({"apikey": "local-emulator-key"}, "grant_type"),
        ({"grant_type": APIKEY_GRANT}, "apikey"),
    ],
)
def test_iam_refuses_a_wrong_grant_or_missing_field_with_400(emulator, form, words):
    answer = _token(emulator.url, **form)
    assert answer.status_code == 400
    assert answer.json()["errorCode"].startswith("BXNIM")
    assert words in answer.json()["errorMessage"]


def test_iam_refuses_a_json_body_it_only_reads_forms(emulator):
    answer = requests.post(
        f"{emulator.url}/identity/token",
        json={"grant_type": APIKEY_GRANT, "apikey": "local-emulator-key"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "form" in answer.json()["errorMessage"]


def test_token_requests_are_counted_in_stats(emulator):
    for _ in range(3):
        _token(emulator.url, grant_type=APIKEY_GRANT, apikey="local-emulator-key")
    _token(emulator.url, grant_type=APIKEY_GRANT, apikey="wrong")
    stats = requests.get(f"{emulator.url}/_emulator/stats").json()["ibm"]
    assert stats["token_requests"] == 3


def _headers(**override: str | None) -> dict[str, str]:
    headers = {"Service-CRN": CRN, "IBM-API-Version": "2026-04-15"}
    for key, value in override.items():
        name = key.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return headers


def test_runtime_api_without_authorization_is_401_in_ibm_shape(emulator):
    answer = requests.get(f"{emulator.url}/api/v1/backends", headers=_headers(), timeout=5)
    assert answer.status_code == 401
    assert "Authorization" in ibm_error(answer)["message"]


def test_runtime_api_with_an_unknown_token_is_401(emulator):
    headers = _headers(Authorization="Bearer not-a-token")
    answer = requests.get(f"{emulator.url}/api/v1/backends", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert "not valid" in ibm_error(answer)["message"]


def test_runtime_api_with_an_expired_token_is_401_saying_expired(emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"ibm_token_lifetime": 1})
    ibm = IBMWire(emulator.url)
    assert ibm.get("/backends").status_code == 200
    advance_clock(emulator.url, 2)
    answer = ibm.get("/backends")
    assert answer.status_code == 401
    assert "expired" in ibm_error(answer)["message"]


def test_older_clients_may_send_the_api_key_directly(emulator):
    headers = _headers(Authorization="apikey local-emulator-key")
    assert requests.get(f"{emulator.url}/api/v1/backends", headers=headers).status_code == 200
    headers = _headers(Authorization="apikey wrong")
    assert requests.get(f"{emulator.url}/api/v1/backends", headers=headers).status_code == 401


def test_a_missing_service_crn_is_403_naming_the_header(emulator):
    ibm = IBMWire(emulator.url)
    del ibm.http.headers["Service-CRN"]
    answer = ibm.get("/backends")
    assert answer.status_code == 403
    assert "Service-CRN" in ibm_error(answer)["message"]


@pytest.mark.parametrize(
    "crn",
    [
        "my-instance",
        "crn:v1:bluemix:public:cloud-object-storage:global:a/abc:guid::",
        "crn:v1:bluemix:public:quantum-computing:us-east:abc:guid::",
        "crn:v1:bluemix:public:quantum-computing:us-east:a/abc",
    ],
)
def test_a_malformed_service_crn_is_403(emulator, crn):
    ibm = IBMWire(emulator.url, crn=crn)
    answer = ibm.get("/backends")
    assert answer.status_code == 403
    assert "CRN" in ibm_error(answer)["message"]


def test_any_well_formed_instance_crn_and_any_api_version_date_is_accepted(emulator):
    ibm = IBMWire(emulator.url, crn=OTHER_CRN)
    assert ibm.get("/backends").status_code == 200
    assert ibm.get("/backends", headers={"IBM-API-Version": "2025-05-01"}).status_code == 200
    del ibm.http.headers["IBM-API-Version"]
    assert ibm.get("/backends").status_code == 200


def test_a_non_date_api_version_is_400(emulator):
    ibm = IBMWire(emulator.url)
    answer = ibm.get("/backends", headers={"IBM-API-Version": "latest"})
    assert answer.status_code == 400
    assert "IBM-API-Version" in ibm_error(answer)["message"]


def test_jobs_are_scoped_to_the_instance_crn(emulator):
    mine = IBMWire(emulator.url)
    theirs = IBMWire(emulator.url, crn=OTHER_CRN)
    job_id = mine.submit("sampler", [[BELL, None, 10]])
    assert theirs.get(f"/jobs/{job_id}").status_code == 404
    assert theirs.get("/jobs").json()["count"] == 0
    assert mine.get("/jobs").json()["count"] == 1
