"""The alarm provisioner at fleet scale, on moto in process: 5,000 instances launched at once (seed 004's
volume) all get complete alarm sets from queue batches, with one DescribeInstances per 1,000 instances and
no call but the PutMetricAlarm each alarm needs."""

from __future__ import annotations

import collections
import json

import boto3
import pytest
from botocore.client import BaseClient

from cryptoguard.handlers import instance_alarms

REGION = "us-east-1"


@pytest.fixture
def moto_in_process(aws_in_process, monkeypatch):
    monkeypatch.setenv("ALARM_SETTINGS", json.dumps({"regions": [REGION]}))


@pytest.fixture
def calls(monkeypatch) -> collections.Counter:
    counted: collections.Counter = collections.Counter()
    original = BaseClient._make_api_call

    def count(self, operation, params):
        counted[operation] += 1
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", count)
    return counted


def _batch(instance_ids: list[str]) -> dict:
    return {
        "Records": [
            {
                "messageId": i,
                "body": json.dumps(
                    {
                        "detail-type": "EC2 Instance State-change Notification",
                        "region": REGION,
                        "detail": {"instance-id": i, "state": "running"},
                    }
                ),
            }
            for i in instance_ids
        ]
    }


def test_five_thousand_instances_all_get_complete_sets(moto_in_process, calls):
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids = [
        i["InstanceId"]
        for _ in range(5)
        for i in ec2.run_instances(ImageId=image, MinCount=1000, MaxCount=1000, InstanceType="t2.micro")["Instances"]
    ]
    calls.clear()
    for start in range(0, len(ids), 1000):
        result = instance_alarms.handler(_batch(ids[start : start + 1000]))
        assert result["batchItemFailures"] == [] and result["alarms_created"] == 3000
    assert calls["DescribeInstances"] == 5 and calls["PutMetricAlarm"] == 15_000
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    names = {a["AlarmName"] for p in cloudwatch.get_paginator("describe_alarms").paginate() for a in p["MetricAlarms"]}
    assert all({f"cryptoguard-{k}-{i}" for k in ("cpu", "netout", "pktout")} <= names for i in ids)
    calls.clear()
    assert instance_alarms.handler(_batch(ids[:1000]))["alarms_created"] == 0  # a redelivery changes nothing
    assert calls["PutMetricAlarm"] == 0
