"""The emulator's S3 subset, through boto3's own S3 client (path-style, ``endpoint_url=.../s3``)."""

from __future__ import annotations

import json

import boto3
import botocore.exceptions
import pytest
from braket_wire import ACCESS_KEY, BUCKET, REGION, SECRET, BraketWire


@pytest.fixture
def s3(emulator):
    return boto3.client(
        "s3",
        endpoint_url=f"{emulator.url}/s3",
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )


def test_results_json_is_read_with_boto3(emulator, s3):
    braket = BraketWire(emulator.url)
    task = braket.finished(braket.submit(shots=20))
    key = f"{task['outputS3Directory']}/results.json"
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] > 0 and head["ETag"].startswith('"')
    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert document["taskMetadata"]["id"] == task["quantumTaskArn"]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=task["outputS3Directory"] + "/")
    assert [item["Key"] for item in listed["Contents"]] == [key]


def test_a_finished_task_s_results_appear_on_listing_without_reading_the_task(emulator, s3):
    braket = BraketWire(emulator.url)
    arn = braket.submit(shots=5)
    braket.finished(arn)
    directory = f"tasks/{arn.rsplit('/', 1)[-1]}"
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="tasks/")
    assert f"{directory}/results.json" in [item["Key"] for item in listed["Contents"]]


def test_put_get_list_pages_and_delete(s3):
    s3.create_bucket(Bucket="my-results")
    for index in range(5):
        s3.put_object(Bucket="my-results", Key=f"a/{index}.json", Body=b'{"n": %d}' % index)
    s3.put_object(Bucket="my-results", Key="b/x.json", Body=b"{}")
    assert s3.get_object(Bucket="my-results", Key="a/3.json")["Body"].read() == b'{"n": 3}'
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="my-results", Prefix="a/", PaginationConfig={"PageSize": 2}
    )
    keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
    assert keys == [f"a/{index}.json" for index in range(5)]
    folders = s3.list_objects_v2(Bucket="my-results", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["a/", "b/"]
    s3.delete_object(Bucket="my-results", Key="b/x.json")
    assert "Contents" not in s3.list_objects_v2(Bucket="my-results", Prefix="b/")


def test_missing_keys_and_buckets_answer_as_s3_does(s3):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.get_object(Bucket="never-written", Key="x")
    assert caught.value.response["Error"]["Code"] == "NoSuchBucket"
    s3.create_bucket(Bucket="some-bucket")
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="some-bucket", Key="nothing.json")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.head_object(Bucket="some-bucket", Key="nothing.json")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
