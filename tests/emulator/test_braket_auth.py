"""SigV4 on the Braket and S3 routes: what AWS answers to an unsigned, unknown or badly signed
request, in its shapes (rest-json with ``x-amzn-ErrorType`` for Braket, XML for S3)."""

from __future__ import annotations

import json
from urllib.parse import quote

import boto3
import botocore.exceptions
import pytest
import requests
from braket_wire import ACCESS_KEY, BUCKET, REGION, SECRET, SV1, BraketWire, aws_error, program


def test_botocore_signed_requests_are_accepted(emulator):
    answer = BraketWire(emulator.url).request("POST", "/devices", {"filters": []})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"


def test_an_unsigned_request_is_refused_as_missing_authentication(emulator):
    answer = BraketWire(emulator.url).request("POST", "/devices", {"filters": []}, sign=False)
    assert answer.status_code == 403
    assert aws_error(answer)[0] == "MissingAuthenticationTokenException"
    assert answer.headers["x-amzn-RequestId"]


def test_an_unknown_access_key_is_unrecognized(emulator):
    wire = BraketWire(emulator.url, access_key="AKIAUNKNOWNKEY000000")
    answer = wire.request("POST", "/devices", {"filters": []})
    assert answer.status_code == 403
    assert aws_error(answer) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_a_wrong_secret_fails_the_signature(emulator):
    answer = BraketWire(emulator.url, secret="not-the-secret").request(
        "POST", "/devices", {"filters": []}
    )
    assert answer.status_code == 403
    code, message = aws_error(answer)
    assert code == "InvalidSignatureException"
    assert "signature we calculated does not match" in message


def test_a_body_changed_after_signing_fails_the_signature(emulator):
    wire = BraketWire(emulator.url)
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="POST", url=f"{emulator.url}/devices", data=b'{"filters": []}')
    SigV4Auth(wire.credentials, "braket", REGION).add_auth(request)
    headers = dict(request.prepare().headers)
    answer = requests.post(
        f"{emulator.url}/devices", data=b'{"filters": [ ]}', headers=headers, timeout=10
    )
    assert answer.status_code == 403
    assert aws_error(answer)[0] == "InvalidSignatureException"


def test_a_credential_scoped_to_another_service_is_refused(emulator):
    answer = BraketWire(emulator.url, service="sts").request("POST", "/devices", {"filters": []})
    assert answer.status_code == 403
    assert aws_error(answer) == (
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'braket'.",
    )


def test_a_request_signed_long_ago_has_expired(emulator, monkeypatch):
    import datetime

    import botocore.auth

    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past)
    answer = BraketWire(emulator.url).request("POST", "/devices", {"filters": []})
    assert answer.status_code == 403
    code, message = aws_error(answer)
    assert code == "InvalidSignatureException"
    assert message.startswith("Signature expired")


def test_an_arn_in_the_path_is_signed_as_botocore_signs_it(emulator):
    """The path carries the URL-encoded ARN; SigV4 encodes it once more (non-S3 services)."""
    wire = BraketWire(emulator.url)
    arn = wire.submit()
    answer = wire.request("GET", f"/quantum-task/{quote(arn, safe='')}")
    assert answer.status_code == 200, answer.text
    tagged = wire.request("DELETE", f"/tags/{quote(arn, safe='')}", query={"tagKeys": ["a", "b c"]})
    assert tagged.status_code == 200, tagged.text


def test_boto3_clients_sign_as_the_emulator_checks(emulator):
    """The official botocore client, as the provider and the SDK use it."""
    credentials = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET}
    braket = boto3.client("braket", endpoint_url=emulator.url, region_name=REGION, **credentials)
    arn = braket.create_quantum_task(
        deviceArn=SV1,
        shots=10,
        outputS3Bucket=BUCKET,
        outputS3KeyPrefix="boto3",
        action=json.dumps(program()),
    )["quantumTaskArn"]
    assert braket.get_quantum_task(quantumTaskArn=arn)["quantumTaskArn"] == arn
    wrong = boto3.client(
        "braket",
        endpoint_url=emulator.url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="wrong",
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        wrong.get_quantum_task(quantumTaskArn=arn)
    assert caught.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_s3_refusals_are_s3_xml(emulator):
    s3 = BraketWire(emulator.url, service="s3", secret="wrong")
    answer = s3.request("GET", f"/{BUCKET}/anything.json")
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text
    unknown = BraketWire(emulator.url, service="s3", access_key="AKIAUNKNOWNKEY000000")
    assert "<Code>InvalidAccessKeyId</Code>" in unknown.request("GET", f"/{BUCKET}/x").text


def test_braket_requests_are_counted_per_route_and_status(emulator):
    wire = BraketWire(emulator.url)
    wire.submit()
    wire.request("POST", "/devices", {"filters": []}, sign=False)
    stats = requests.get(f"{emulator.url}/_emulator/stats", timeout=10).json()["braket"]
    assert stats["jobs_submitted"] == 1
    assert stats["routes"]["POST /quantum-task"] == 1
    assert stats["statuses"]["403"] == 1


def temporary_clients(emulator, lifetime: float) -> tuple[object, object]:
    issued = requests.post(
        f"{emulator.url}/_emulator/braket/credentials",
        json={"lifetime_seconds": lifetime},
        timeout=10,
    ).json()
    assert issued["AccessKeyId"].startswith("ASIA") and issued["Expiration"].endswith("Z")
    session = boto3.Session(
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
        region_name=REGION,
    )
    return (
        session.client("braket", endpoint_url=emulator.url),
        session.client("s3", endpoint_url=f"{emulator.url}/s3"),
    )


def test_temporary_credentials_work_until_they_expire_on_the_emulator_s_clock(emulator):
    braket, s3 = temporary_clients(emulator, lifetime=900)
    assert braket.search_devices(filters=[])["devices"]
    s3.put_object(Bucket=BUCKET, Key="probe.json", Body=b"{}")
    requests.post(f"{emulator.url}/_emulator/clock/advance", json={"seconds": 901}, timeout=10)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        braket.search_devices(filters=[])
    error = caught.value.response
    assert error["Error"]["Code"] == "ExpiredTokenException"
    assert error["Error"]["Message"] == "The security token included in the request is expired"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key="probe.json")
    assert caught.value.response["Error"]["Code"] == "ExpiredToken"


def test_temporary_credentials_need_their_own_session_token(emulator):
    issued = requests.post(f"{emulator.url}/_emulator/braket/credentials", timeout=10).json()
    wire = BraketWire(
        emulator.url, access_key=issued["AccessKeyId"], secret=issued["SecretAccessKey"]
    )
    answer = wire.request("POST", "/devices", {"filters": []})  # signed without the token
    assert answer.status_code == 403
    assert aws_error(answer)[0] == "UnrecognizedClientException"
