"""Lambda entry point: keep per-instance alarms in step with the instances.

Events: "EC2 Instance State-change Notification" from every region (forwarded to the home region's default
bus): `running` creates the instance's alarms, `terminated` deletes them. A scheduled event reconciles every
region in ALARM_SETTINGS.regions: alarms for running instances that lack them, no alarms for instances that
are gone. Environment: ALARM_SETTINGS (JSON, see cryptoguard/alarms.py)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import boto3

from cryptoguard.alarms import AlarmSettings, alarm_names, instance_alarms, opted_out

INSTANCE_ID = re.compile(r"i-[0-9a-f]+$")
log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


def ensure(
    settings: AlarmSettings, region: str, instance_id: str, cloudwatch: Any = None, ec2: Any = None
) -> list[str]:
    """Create (or update) the alarms of one instance; returns their names, or [] when it opted out or is gone."""
    ec2 = ec2 or boto3.client("ec2", region_name=region)
    cloudwatch = cloudwatch or boto3.client("cloudwatch", region_name=region)
    reservations = ec2.describe_instances(InstanceIds=[instance_id]).get("Reservations", [])
    instances = [i for r in reservations for i in r.get("Instances", [])]
    if not instances:
        return []
    instance = instances[0]
    if opted_out(settings, instance.get("Tags")):
        remove(settings, region, instance_id, cloudwatch)
        return []
    names = []
    for alarm in instance_alarms(settings, instance_id, instance.get("InstanceType", "")):
        cloudwatch.put_metric_alarm(**alarm, Tags=[{"Key": "cryptoguard:instance", "Value": instance_id}])
        names.append(alarm["AlarmName"])
    return names


def remove(settings: AlarmSettings, region: str, instance_id: str, cloudwatch: Any = None) -> list[str]:
    cloudwatch = cloudwatch or boto3.client("cloudwatch", region_name=region)
    names = alarm_names(settings, instance_id)
    cloudwatch.delete_alarms(AlarmNames=names)
    return names


def reconcile(settings: AlarmSettings, region: str) -> dict[str, int]:
    ec2, cloudwatch = boto3.client("ec2", region_name=region), boto3.client("cloudwatch", region_name=region)
    live: dict[str, dict] = {}
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    ):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                live[instance["InstanceId"]] = instance
    existing: set[str] = set()
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{settings.prefix}-"):
        for alarm in page.get("MetricAlarms", []):
            match = INSTANCE_ID.search(alarm["AlarmName"])
            if match:
                existing.add(match.group(0))
    created = removed = 0
    for instance_id, instance in live.items():
        running = instance.get("State", {}).get("Name") == "running"
        if running and instance_id not in existing and not opted_out(settings, instance.get("Tags")):
            created += len(ensure(settings, region, instance_id, cloudwatch, ec2))
    for instance_id in existing - set(live):
        removed += len(remove(settings, region, instance_id, cloudwatch))
    return {"instances": len(live), "alarms_created": created, "alarms_removed": removed}


def handler(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    settings = AlarmSettings.from_env()
    detail_type = event.get("detail-type") if isinstance(event, dict) else None
    if detail_type == "EC2 Instance State-change Notification":
        detail = event.get("detail") or {}
        region, instance_id, state = event.get("region"), detail.get("instance-id"), detail.get("state")
        if not (region and instance_id and state):
            log.error(json.dumps({"message": "state-change event without region, instance or state", "event": event}))
            return {"error": "malformed state-change event"}
        if state == "running":
            return {"created": ensure(settings, region, instance_id)}
        if state in ("terminated", "shutting-down"):
            return {"removed": remove(settings, region, instance_id)}
        return {"ignored": state}
    if detail_type == "Scheduled Event":
        return {region: reconcile(settings, region) for region in settings.regions}
    log.error(json.dumps({"message": "unsupported event", "detail-type": detail_type}))
    return {"error": f"unsupported event {detail_type!r}"}
