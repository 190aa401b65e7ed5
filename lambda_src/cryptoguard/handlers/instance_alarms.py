"""Lambda entry point: keep per-instance alarms in step with the instances, at fleet scale.

Events:
- SQS batches of "EC2 Instance State-change Notification" events (every region forwards to the home region's
  default bus, whose rule queues them): instances are described in batches per region, `running` ones get
  their missing alarms, `terminated` ones lose theirs. A record that fails is reported alone
  (ReportBatchItemFailures), so SQS retries only it.
- A scheduled event reconciles every region in ALARM_SETTINGS.regions, each on its own (one failing region is
  reported, the others proceed): partial alarm sets are completed, opt-out tag changes are honoured both ways,
  and alarms of instances that are gone are deleted.
Every client retries throttling with adaptive backoff. Environment: ALARM_SETTINGS (JSON, see alarms.py)."""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from typing import Any

import boto3

from cryptoguard.alarms import AlarmSettings, instance_alarms, opted_out
from cryptoguard.sessions import ADAPTIVE_RETRIES

INSTANCE_ID = re.compile(r"-(i-[0-9a-f]+)$")
DESCRIBE_BATCH = 1000  # DescribeInstances takes up to 1,000 instance ids
DELETE_BATCH = 100  # DeleteAlarms takes up to 100 names
log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


def _clients(region: str) -> tuple[Any, Any]:
    return (
        boto3.client("ec2", region_name=region, config=ADAPTIVE_RETRIES),
        boto3.client("cloudwatch", region_name=region, config=ADAPTIVE_RETRIES),
    )


def _existing(settings: AlarmSettings, cloudwatch: Any) -> dict[str, set[str]]:
    """Instance id -> names of the alarms it has (one listing for the whole region)."""
    found: dict[str, set[str]] = defaultdict(set)
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{settings.prefix}-"):
        for alarm in page.get("MetricAlarms", []):
            match = INSTANCE_ID.search(alarm["AlarmName"])
            if match:
                found[match.group(1)].add(alarm["AlarmName"])
    return found


def _describe(ec2: Any, instance_ids: list[str]) -> dict[str, dict]:
    live: dict[str, dict] = {}
    for start in range(0, len(instance_ids), DESCRIBE_BATCH):
        batch = instance_ids[start : start + DESCRIBE_BATCH]
        try:
            pages = ec2.get_paginator("describe_instances").paginate(InstanceIds=batch)
            for page in pages:
                for reservation in page["Reservations"]:
                    for instance in reservation["Instances"]:
                        live[instance["InstanceId"]] = instance
        except ec2.exceptions.ClientError as exc:
            if "InvalidInstanceID" not in exc.response.get("Error", {}).get("Code", ""):
                raise
            for instance_id in batch:  # one id is already gone: look the others up one by one
                live.update(_describe_one(ec2, instance_id))
    return live


def _describe_one(ec2: Any, instance_id: str) -> dict[str, dict]:
    try:
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    except ec2.exceptions.ClientError:
        return {}
    return {i["InstanceId"]: i for r in reservations for i in r["Instances"]}


def _delete(cloudwatch: Any, names: list[str]) -> int:
    for start in range(0, len(names), DELETE_BATCH):
        cloudwatch.delete_alarms(AlarmNames=names[start : start + DELETE_BATCH])
    return len(names)


def converge(
    settings: AlarmSettings, instances: dict[str, dict], existing: dict[str, set[str]], cloudwatch: Any
) -> dict[str, int]:
    """Make the alarms of these instances what they should be: a complete set for a running instance that has
    not opted out, none otherwise. Only missing alarms are created and only surplus ones deleted."""
    created = removed = 0
    stale: list[str] = []
    for instance_id, instance in instances.items():
        have = existing.get(instance_id, set())
        wanted = []
        if instance.get("State", {}).get("Name") == "running" and not opted_out(settings, instance.get("Tags")):
            wanted = instance_alarms(settings, instance_id, instance.get("InstanceType", ""))
        for alarm in wanted:
            if alarm["AlarmName"] not in have:
                cloudwatch.put_metric_alarm(**alarm, Tags=[{"Key": "cryptoguard:instance", "Value": instance_id}])
                created += 1
        stale += sorted(have - {a["AlarmName"] for a in wanted})
    removed += _delete(cloudwatch, stale)
    return {"alarms_created": created, "alarms_removed": removed}


def reconcile(settings: AlarmSettings, region: str) -> dict[str, int]:
    ec2, cloudwatch = _clients(region)
    live: dict[str, dict] = {}
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    ):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                live[instance["InstanceId"]] = instance
    existing = _existing(settings, cloudwatch)
    result = converge(settings, live, existing, cloudwatch)
    orphans = [name for instance_id, names in existing.items() if instance_id not in live for name in names]
    result["alarms_removed"] += _delete(cloudwatch, sorted(orphans))
    return {"instances": len(live), **result}


def _state_change(body: Any) -> tuple[str, str] | None:
    """(region, instance id) of a state-change event, or None when it is not one."""
    event = json.loads(body) if isinstance(body, str) else body
    detail = event.get("detail") if isinstance(event, dict) else None
    if event.get("detail-type") != "EC2 Instance State-change Notification" or not isinstance(detail, dict):
        return None
    region, instance_id = event.get("region"), detail.get("instance-id")
    if not (isinstance(region, str) and isinstance(instance_id, str) and instance_id.startswith("i-")):
        return None
    return region, instance_id


def on_state_changes(settings: AlarmSettings, records: list[dict]) -> dict[str, Any]:
    """A queue batch: described and converged per region, a failing region's records retried alone."""
    by_region: dict[str, dict[str, str]] = defaultdict(dict)  # region -> instance id -> message id
    ignored = 0
    for record in records:
        try:
            found = _state_change(record.get("body"))
        except (json.JSONDecodeError, TypeError, AttributeError):
            found = None
        if found is None:
            log.error(json.dumps({"message": "not an instance state change, dropped", "body": str(record)[:300]}))
            ignored += 1
            continue
        by_region[found[0]][found[1]] = record.get("messageId", "")
    failures: list[dict[str, str]] = []
    totals = {"alarms_created": 0, "alarms_removed": 0, "ignored": ignored}
    for region, messages in by_region.items():
        try:
            ec2, cloudwatch = _clients(region)
            live = _describe(ec2, sorted(messages))
            existing = _existing(settings, cloudwatch)
            gone = {i: {"State": {"Name": "terminated"}} for i in messages if i not in live}
            result = converge(settings, {**live, **gone}, existing, cloudwatch)
        except Exception:
            log.exception(json.dumps({"message": "alarms not converged; retried", "region": region}))
            failures += [{"itemIdentifier": m} for m in messages.values()]
            continue
        for key in ("alarms_created", "alarms_removed"):
            totals[key] += result[key]
    log.info(json.dumps({"message": "state changes", **totals, "retry": len(failures)}))
    return {**totals, "batchItemFailures": failures}


def handler(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    settings = AlarmSettings.from_env()
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return on_state_changes(settings, event["Records"])
    if isinstance(event, dict) and event.get("detail-type") == "Scheduled Event":
        report: dict[str, Any] = {}
        for region in settings.regions:
            try:
                report[region] = reconcile(settings, region)
            except Exception as exc:  # one failing region must not stop the others
                log.exception(json.dumps({"message": "reconcile failed", "region": region}))
                report[region] = {"error": f"{type(exc).__name__}: {exc}"}
        return report
    log.error(json.dumps({"message": "unsupported event", "event": str(event)[:300]}))
    return {"error": "unsupported event"}
