"""The alarm provisioner against the emulators: instances on moto's EC2, alarms on LocalStack's CloudWatch."""

from __future__ import annotations

import json

import boto3
import pytest

from cryptoguard.alarms import AlarmSettings
from cryptoguard.handlers import instance_alarms

pytestmark = pytest.mark.emulators
REGION = "us-west-2"


def _event(instance_id: str, state: str) -> dict:
    """The SQS batch the provisioner's queue delivers for one state change."""
    event = {
        "detail-type": "EC2 Instance State-change Notification",
        "region": REGION,
        "detail": {"instance-id": instance_id, "state": state},
    }
    return {"Records": [{"messageId": f"{instance_id}-{state}", "body": json.dumps(event)}]}


def _reconcile() -> dict:
    return instance_alarms.handler({"detail-type": "Scheduled Event", "region": "us-east-1", "detail": {}})


def _launch(instance_type: str, tags: list[dict] | None = None) -> str:
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    spec = [{"ResourceType": "instance", "Tags": tags}] if tags else []
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType=instance_type, TagSpecifications=spec)[
        "Instances"
    ][0]["InstanceId"]


def _alarms(instance_id: str) -> dict[str, dict]:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    return {
        a["AlarmName"]: a
        for a in cloudwatch.describe_alarms(AlarmNamePrefix="cryptoguard-")["MetricAlarms"]
        if a["AlarmName"].endswith(instance_id)
    }


def test_network_and_cpu_alarms_follow_the_instance_lifecycle(aws, monkeypatch):
    monkeypatch.delenv("ALARM_SETTINGS", raising=False)
    instance = _launch("t2.micro")
    instance_alarms.handler(_event(instance, "running"))
    alarms = _alarms(instance)
    assert set(alarms) == {f"cryptoguard-{k}-{instance}" for k in ("cpu", "netout", "pktout")}
    network = alarms[f"cryptoguard-netout-{instance}"]
    assert network["ComparisonOperator"] == "GreaterThanUpperThreshold" and network["ThresholdMetricId"] == "band"
    expressions = {m["Id"]: m.get("Expression", "") for m in network["Metrics"]}
    assert (
        expressions["floored"].startswith("IF(m1 > 5e+09") and "ANOMALY_DETECTION_BAND(floored" in expressions["band"]
    )
    boto3.client("ec2", region_name=REGION).terminate_instances(InstanceIds=[instance])
    instance_alarms.handler(_event(instance, "terminated"))
    assert _alarms(instance) == {}


def test_gpu_instances_also_get_a_gpu_alarm(aws):
    instance = _launch("g4dn.xlarge")
    instance_alarms.handler(_event(instance, "running"))
    gpu = _alarms(instance)[f"cryptoguard-gpu-{instance}"]
    assert "nvidia_smi_utilization_gpu" in gpu["Metrics"][0]["Expression"]


def test_opted_out_instances_get_no_alarms(aws):
    instance = _launch("c5.large", [{"Key": "cryptoguard:alarms", "Value": "off"}])
    assert instance_alarms.handler(_event(instance, "running"))["alarms_created"] == 0
    assert _alarms(instance) == {}


def test_reconcile_creates_missing_and_removes_orphaned_alarms(aws, monkeypatch):
    monkeypatch.setenv("ALARM_SETTINGS", '{"regions": ["us-west-2"]}')
    kept = _launch("m5.large")
    gone = _launch("m5.large")
    instance_alarms.handler(_event(gone, "running"))
    boto3.client("ec2", region_name=REGION).terminate_instances(InstanceIds=[gone])
    result = _reconcile()
    assert result[REGION]["alarms_created"] >= 3 and result[REGION]["alarms_removed"] >= 3
    assert _alarms(kept) and _alarms(gone) == {}


def test_settings_with_unknown_names_are_refused(monkeypatch):
    monkeypatch.setenv("ALARM_SETTINGS", '{"cpu_treshold": 50}')
    with pytest.raises(ValueError, match="unknown alarm settings: cpu_treshold"):
        AlarmSettings.from_env()


def test_reconcile_completes_partial_sets_and_follows_opt_out_both_ways(aws, monkeypatch):
    monkeypatch.setenv("ALARM_SETTINGS", '{"regions": ["us-west-2"]}')
    instance = _launch("m5.large")
    instance_alarms.handler(_event(instance, "running"))
    cloudwatch, ec2 = (boto3.client(s, region_name=REGION) for s in ("cloudwatch", "ec2"))
    cloudwatch.delete_alarms(AlarmNames=[f"cryptoguard-netout-{instance}"])  # a throttle left a partial set
    _reconcile()
    assert len(_alarms(instance)) == 3
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "cryptoguard:alarms", "Value": "off"}])
    _reconcile()
    assert _alarms(instance) == {}
    ec2.delete_tags(Resources=[instance], Tags=[{"Key": "cryptoguard:alarms"}])
    _reconcile()
    assert len(_alarms(instance)) == 3


def test_one_failing_region_is_reported_and_the_others_proceed(aws, monkeypatch):
    monkeypatch.setenv("ALARM_SETTINGS", '{"regions": ["eu-west-3", "us-west-2"]}')
    instance = _launch("m5.large")
    real = instance_alarms._clients

    def clients(region):
        if region == "eu-west-3":
            raise ConnectionError("eu-west-3 unreachable")
        return real(region)

    monkeypatch.setattr(instance_alarms, "_clients", clients)
    report = _reconcile()
    assert "unreachable" in report["eu-west-3"]["error"]
    assert report[REGION]["alarms_created"] >= 3 and len(_alarms(instance)) == 3
    batch = _event(instance, "running")
    batch["Records"].append(
        {**batch["Records"][0], "messageId": "eu", "body": batch["Records"][0]["body"].replace(REGION, "eu-west-3")}
    )
    assert instance_alarms.handler(batch)["batchItemFailures"] == [{"itemIdentifier": "eu"}]


def test_a_record_that_is_not_a_state_change_is_dropped_with_a_log_not_retried(aws):
    result = instance_alarms.handler({"Records": [{"messageId": "x", "body": "{broken"}]})
    assert result["ignored"] == 1 and result["batchItemFailures"] == []
