"""AWS calls and time of the alarm provisioner per 1,000 instances (moto in process). Prints figures; passes or
fails nothing.

  .venv/bin/python bench/alarms.py [--instances 5000]

Instances launch in thousands (seed 004: 6,000 in minutes); their state changes reach the provisioner through
its queue in batches. Calls per 1,000 instances should stay flat as the fleet grows: one DescribeInstances per
batch and one PutMetricAlarm per alarm, nothing per instance besides."""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda_src"))

import boto3  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402

from cryptoguard.handlers import instance_alarms  # noqa: E402

REGION = "us-east-1"


def state_change(instance_id: str) -> dict:
    detail = {"instance-id": instance_id, "state": "running"}
    return {"detail-type": "EC2 Instance State-change Notification", "region": REGION, "detail": detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=5000)
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", ALARM_SETTINGS=json.dumps({"regions": [REGION]})
    )
    calls: collections.Counter = collections.Counter()
    original = BaseClient._make_api_call

    def count(self, operation, params):
        calls[operation] += 1
        return original(self, operation, params)

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ids = []
        for _ in range(args.instances // 1000):
            reply = ec2.run_instances(ImageId=image, MinCount=1000, MaxCount=1000, InstanceType="t2.micro")
            ids += [i["InstanceId"] for i in reply["Instances"]]
        BaseClient._make_api_call = count
        print(f"{'instances':>10} {'seconds':>8} {'calls':>7} {'DescribeInstances':>18} {'PutMetricAlarm':>15}")
        for start in range(0, len(ids), 1000):
            calls.clear()
            began = time.perf_counter()
            events = [{"messageId": i, "body": json.dumps(state_change(i))} for i in ids[start : start + 1000]]
            instance_alarms.handler({"Records": events})
            print(f"{start + 1000:>10} {time.perf_counter() - began:8.1f} {sum(calls.values()):7} "
                  f"{calls['DescribeInstances']:>18} {calls['PutMetricAlarm']:>15}")  # fmt: skip
        calls.clear()
        began = time.perf_counter()
        instance_alarms.handler({"detail-type": "Scheduled Event"})
        print(f"reconcile of {len(ids)} instances with complete sets: {time.perf_counter() - began:.1f} s, "
              f"{sum(calls.values())} calls, {calls['PutMetricAlarm']} PutMetricAlarm")  # fmt: skip
        BaseClient._make_api_call = original


if __name__ == "__main__":
    main()
