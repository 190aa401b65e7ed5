"""Compute abuse: unused regions, large and accelerated launches, launch bursts across regions, fleet-sized
Auto Scaling groups and mining payloads in user data."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cryptoguard import patterns
from cryptoguard.indicators import (
    decode_user_data,
    find_indicators,
    instance_types,
    is_accelerated,
    requested_instances,
    walk,
)
from cryptoguard.records import Record
from cryptoguard.rules.base import MAX_EVENT_IDS, Context, Finding, Rule, Severity
from cryptoguard.state import heaviest

UNUSED_REGION = Rule(
    "CG-REGION-001",
    "Activity in a region the organisation does not use",
    Severity.HIGH,
    "000",
    "T1535",
    "A successful write API call by a person or workload in a region outside allowed_regions. Global services "
    "(IAM, STS, Organizations, sign-in... named in patterns.json) and AWS's own calls are never region activity.",
)
UNUSED_REGION_PROBE = Rule(
    "CG-REGION-002",
    "Failed calls in a region the organisation does not use",
    Severity.LOW,
    "000",
    "T1535",
    "A write call outside allowed_regions that failed (AccessDenied, an SCP, an unsubscribed region): someone "
    "tried. HIGH belongs to calls that worked.",
)
LARGE_LAUNCH = Rule(
    "CG-LAUNCH-001",
    "Many instances launched in one call",
    Severity.HIGH,
    "004",
    "T1496",
    "RunInstances, CreateFleet or a Spot request for max_instances_per_call instances or more, "
    "of any type (seed 004: 500 x t2.micro per call).",
)
ACCELERATED_LAUNCH = Rule(
    "CG-LAUNCH-002",
    "GPU / accelerated instances requested",
    Severity.HIGH,
    "000",
    "T1496",
    "A launch, launch template or Auto Scaling group naming an accelerated family (p, g, inf, "
    "trn, dl...) that allowed_instance_families does not list.",
)
LAUNCH_BURST = Rule(
    "CG-LAUNCH-003",
    "Launch burst by one principal",
    Severity.HIGH,
    "004",
    "T1496",
    "One principal launched max_instances_per_window instances or more within launch_window_minutes.",
)
MULTI_REGION = Rule(
    "CG-LAUNCH-004",
    "Same principal launching across many regions",
    Severity.CRITICAL,
    "004",
    "T1535",
    "One principal launched instances in multi_region_launch_threshold regions or more within launch_window_minutes.",
)
HUGE_ASG = Rule(
    "CG-ASG-001",
    "Auto Scaling group sized for a fleet",
    Severity.HIGH,
    "002",
    "T1496",
    "CreateAutoScalingGroup or UpdateAutoScalingGroup with MaxSize of max_asg_size or more "
    "(seed 002: MaxSize 999, SPOT-/OD-<region>-G* names).",
)
MINER_PAYLOAD = Rule(
    "CG-PAYLOAD-001",
    "Mining payload in user data",
    Severity.CRITICAL,
    "004",
    "T1496",
    "User data of an instance, launch template or launch configuration carrying miner or pool "
    "indicators (xmrig, stratum+tcp, rplant.xyz, meson_cdn, gaganode, SRBMiner...).",
)
SERVICE_LAUNCH = Rule(
    "CG-LAUNCH-005",
    "Accelerated or fleet-sized launch by a service on someone's behalf",
    Severity.HIGH,
    "002",
    "T1496",
    "RunInstances or CreateFleet made by Auto Scaling, EKS, Batch, EMR, Spot Fleet or EC2 Fleet with an accelerated "
    "family, or max_instances_per_window instances within launch_window_minutes for one group: seed 002's GPU "
    "fleets, seen even when the group's creation was missed. Named after the group or fleet.",
)
RULES = (
    UNUSED_REGION,
    UNUSED_REGION_PROBE,
    LARGE_LAUNCH,
    ACCELERATED_LAUNCH,
    LAUNCH_BURST,
    MULTI_REGION,
    SERVICE_LAUNCH,
    HUGE_ASG,
    MINER_PAYLOAD,
)

LAUNCH_EVENTS = {"RunInstances", "CreateFleet", "RequestSpotInstances", "RequestSpotFleet", "RunScheduledInstances"}
TEMPLATE_EVENTS = {
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "CreateLaunchConfiguration",
    "CreateAutoScalingGroup",
    "UpdateAutoScalingGroup",
}
CONFIGURES_INSTANCES = LAUNCH_EVENTS | TEMPLATE_EVENTS  # built once: the rules below ask for every record
PAYLOAD_EVENTS = CONFIGURES_INSTANCES | {"ModifyInstanceAttribute"}
DRY_RUN = "Client.DryRunOperation"
# The naming scheme of seed 002's Auto Scaling groups: SPOT-us-east-1-G3-..., OD-us-east-1-G1-...
CAMPAIGN_ASG_NAME = re.compile(r"^(SPOT|OD)-[a-z]{2}-[a-z]+-\d-G\d+-", re.IGNORECASE)


def _unused_region(record: Record, ctx: Context) -> Iterator[Finding]:
    allowed = ctx.settings.allowed_regions
    if not allowed or record.region in allowed or record.read_only or record.by_aws_service:
        return
    pattern = patterns.named("unused_region_activity")
    if not patterns.matches(pattern.pattern, record.to_eventbridge()):
        return
    details = {"allowed_regions": list(allowed)}
    if record.succeeded:
        yield UNUSED_REGION.finding(record, details)
    else:
        yield UNUSED_REGION_PROBE.finding(
            record, {**details, "error_code": record.error_code, "api": record.event_name}
        )


# Tags the launching services put on what they launch: the group or fleet a service launch belongs to.
GROUP_TAGS = (
    "aws:autoscaling:groupName",
    "eks:nodegroup-name",
    "aws:ec2spot:fleet-request-id",
    "aws:ec2:fleet-id",
    "aws:elasticmapreduce:job-flow-id",
    "aws:batch:compute-environment",
)


def _launch_group(record: Record) -> str:
    tags = {
        str(tag.get("key")): str(tag.get("value"))
        for key, value in walk(record.request)
        if key == "tags" and isinstance(value, list)
        for tag in value
        if isinstance(tag, dict)
    }
    return next((f"{name}={tags[name]}" for name in GROUP_TAGS if name in tags), "")


def _service_launch(record: Record, ctx: Context) -> Iterator[Finding]:
    """Launches a service makes for a group: attributed to the group, since the person is on its creation."""
    s = ctx.settings
    if record.event_name not in ("RunInstances", "CreateFleet") or not record.succeeded:
        return
    service = record.acting_service
    group = _launch_group(record) or service
    types = sorted(set(instance_types(record.request)) | set(instance_types(record.response)))
    accelerated = [t for t in types if is_accelerated(t, s.accelerated_families, s.allowed_instance_families)]
    count = requested_instances(record.event_name, record.request, record.response)
    base = {"service": service, "group": group, "instance_types": types, "instances": count}
    if accelerated:
        yield SERVICE_LAUNCH.finding(record, {**base, "accelerated": accelerated}, subject=group)
        return
    key = f"service-launch|{record.account}|{group}"
    window = ctx.minutes(s.launch_window_minutes)
    buckets = ctx.store.tally(key, record.event_id, record.event_time, window, count)
    total = heaviest(buckets, record.event_time, window).score
    if total >= s.max_instances_per_window:
        yield SERVICE_LAUNCH.finding(record, {**base, "instances_in_window": total}, subject=group)


def _launches(record: Record, ctx: Context) -> Iterator[Finding]:
    s = ctx.settings
    name = record.event_name
    if name not in CONFIGURES_INSTANCES or record.error_code == DRY_RUN:
        return
    if record.by_aws_service:
        yield from _service_launch(record, ctx)
        return
    types = instance_types(record.request)
    accelerated = [t for t in types if is_accelerated(t, s.accelerated_families, s.allowed_instance_families)]
    if accelerated:
        yield ACCELERATED_LAUNCH.finding(record, {"instance_types": accelerated}, subject=",".join(accelerated))
    if name not in LAUNCH_EVENTS:
        return
    count = requested_instances(name, record.request, record.response)
    base = {"instances": count, "instance_types": types}
    if count >= s.max_instances_per_call:
        yield LARGE_LAUNCH.finding(record, {**base, "threshold": s.max_instances_per_call})
    # One write, two readings of the same window: instances in it, and regions they span.
    buckets = ctx.burst("launch", record, record.event_id, s.launch_window_minutes, count, record.region)
    window = ctx.minutes(s.launch_window_minutes)
    total = heaviest(buckets, record.event_time, window).score
    if total >= s.max_instances_per_window:
        yield LAUNCH_BURST.finding(
            record, {**base, "instances_in_window": total, "window_minutes": s.launch_window_minutes}, subject="window"
        )
    spread = heaviest(buckets, record.event_time, window, distinct_groups=True)
    if spread.score >= s.multi_region_launch_threshold:
        launches = ctx.store.members(ctx.key("launch", record), spread.start, spread.end, MAX_EVENT_IDS)
        yield MULTI_REGION.finding(
            record,
            {
                "regions": list(spread.groups),
                "instances_in_window": spread.total,
                "window_minutes": s.launch_window_minutes,
            },
            subject="regions",
            related=tuple(launches),
        )


def _auto_scaling(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.event_name not in ("CreateAutoScalingGroup", "UpdateAutoScalingGroup") or not record.succeeded:
        return
    request = record.request
    try:
        max_size = int(request.get("maxSize", 0))
    except (TypeError, ValueError):
        max_size = 0
    group = str(request.get("autoScalingGroupName", ""))
    if max_size >= ctx.settings.max_asg_size:
        yield HUGE_ASG.finding(
            record,
            {
                "auto_scaling_group": group,
                "max_size": max_size,
                "desired_capacity": request.get("desiredCapacity"),
                "campaign_naming": bool(CAMPAIGN_ASG_NAME.match(group)),
                "threshold": ctx.settings.max_asg_size,
            },
        )


def _payload(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.event_name not in PAYLOAD_EVENTS:
        return
    for key, value in walk(record.request):
        if key != "userdata":
            continue
        found = find_indicators(decode_user_data(value))
        if found:
            yield MINER_PAYLOAD.finding(record, {"indicators": found})
            return


CHECKS = (_unused_region, _launches, _auto_scaling, _payload)
