"""The canary: a safe detonation (a DryRun RunInstances of a GPU instance in a region outside the allowed ones, the
drill's `--target aws`) and the proof that its alert came through the whole chain (trail, region rule, central bus,
queue, detection function, topic). The detection function counts every canary alert it published in a
CloudWatch metric; the canary waits for that count and reports the alert as arrived or missing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

NAMESPACE = "Cryptoguard"
ARRIVED = "CanaryAlerts"  # put by the detection function after it published a canary alert
MISSING = "CanaryAlertMissing"  # put by the canary: 1 when no alert came within the expected minutes, else 0
LATENCY = "CanaryAlertSeconds"
INSTANCE_TYPE = "g4dn.xlarge"
POLL_SECONDS = 30


def arrived(cloudwatch: Any) -> None:
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": ARRIVED, "Value": 1, "Unit": "Count"}])


def detonate(ec2: Any) -> None:
    """DryRun RunInstances: logged by CloudTrail like a real launch, creates nothing, costs nothing. Without the
    permission the answer is UnauthorizedOperation, which CloudTrail logs too (the canary role has none)."""
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*-x86_64"]}])
    image_id = max(images["Images"], key=lambda i: i["CreationDate"])["ImageId"]
    try:
        ec2.run_instances(ImageId=image_id, InstanceType=INSTANCE_TYPE, MinCount=1, MaxCount=1, DryRun=True)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("DryRunOperation", "UnauthorizedOperation"):
            raise


def alerts_since(cloudwatch: Any, since: datetime, now: datetime) -> float:
    answer = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=ARRIVED,
        StartTime=since - timedelta(minutes=1),  # the metric's minute may start before the detonation
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    return sum(point.get("Sum", 0) for point in answer.get("Datapoints", []))


def wait_for_alert(
    cloudwatch: Any,
    since: datetime,
    minutes: float,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> float | None:
    """Seconds from the detonation to its alert, or None when none arrived within `minutes`."""
    deadline = since + timedelta(minutes=minutes)
    while True:
        current = now()
        if alerts_since(cloudwatch, since, current) > 0:
            return (current - since).total_seconds()
        if current >= deadline:
            return None
        sleep(POLL_SECONDS)


def report(cloudwatch: Any, seconds: float | None) -> None:
    data = [{"MetricName": MISSING, "Value": 1 if seconds is None else 0, "Unit": "Count"}]
    if seconds is not None:
        data.append({"MetricName": LATENCY, "Value": seconds, "Unit": "Seconds"})
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
