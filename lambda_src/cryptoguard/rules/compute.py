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
from cryptoguard.rules.base import Context, Finding, Rule, Severity
from cryptoguard.state import heaviest

UNUSED_REGION = Rule(
    "CG-REGION-001",
    "Activity in a region the organisation does not use",
    Severity.HIGH,
    "000",
    "T1535",
    "A write API call by a person or workload in a region outside allowed_regions.",
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
RULES = (UNUSED_REGION, LARGE_LAUNCH, ACCELERATED_LAUNCH, LAUNCH_BURST, MULTI_REGION, HUGE_ASG, MINER_PAYLOAD)

LAUNCH_EVENTS = {"RunInstances", "CreateFleet", "RequestSpotInstances", "RequestSpotFleet", "RunScheduledInstances"}
TEMPLATE_EVENTS = {
    "CreateLaunchTemplate",
    "CreateLaunchTemplateVersion",
    "CreateLaunchConfiguration",
    "CreateAutoScalingGroup",
    "UpdateAutoScalingGroup",
}
DRY_RUN = "Client.DryRunOperation"
# The naming scheme of seed 002's Auto Scaling groups: SPOT-us-east-1-G3-..., OD-us-east-1-G1-...
CAMPAIGN_ASG_NAME = re.compile(r"^(SPOT|OD)-[a-z]{2}-[a-z]+-\d-G\d+-", re.IGNORECASE)


def _unused_region(record: Record, ctx: Context) -> Iterator[Finding]:
    allowed = ctx.settings.allowed_regions
    if not allowed or record.region in allowed or record.read_only or record.by_aws_service:
        return
    pattern = next(p for p in patterns.load() if p.name == "unused_region_activity")
    if patterns.matches(pattern.pattern, record.to_eventbridge()):
        yield UNUSED_REGION.finding(record, {"allowed_regions": list(allowed), "error_code": record.error_code})


def _launches(record: Record, ctx: Context) -> Iterator[Finding]:
    s = ctx.settings
    name = record.event_name
    if name not in LAUNCH_EVENTS | TEMPLATE_EVENTS or record.error_code == DRY_RUN or record.by_aws_service:
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
        yield MULTI_REGION.finding(
            record,
            {
                "regions": list(spread.groups),
                "instances_in_window": spread.total,
                "window_minutes": s.launch_window_minutes,
            },
            subject="regions",
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
    if record.event_name not in LAUNCH_EVENTS | TEMPLATE_EVENTS:
        return
    for key, value in walk(record.request):
        if key != "userdata":
            continue
        found = find_indicators(decode_user_data(value))
        if found:
            yield MINER_PAYLOAD.finding(record, {"indicators": found})
            return


CHECKS = (_unused_region, _launches, _auto_scaling, _payload)
