"""Reconnaissance before the launch and the chain recon -> launch (seed 002: GetServiceQuota, then
RunInstances with DryRun, then the fleet within ten minutes)."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.records import Record
from cryptoguard.rules.base import Context, Finding, Rule, Severity
from cryptoguard.rules.compute import DRY_RUN, LAUNCH_EVENTS
from cryptoguard.state import Entry

DRY_RUN_PROBE = Rule(
    "CG-RECON-001",
    "Permission probe with DryRun",
    Severity.MEDIUM,
    "002",
    "T1580",
    "An API call answered Client.DryRunOperation: the caller tested that it may launch, "
    "without launching. Rare outside tooling that an allow-list should name.",
)
QUOTA_RECON = Rule(
    "CG-RECON-002",
    "Burst of service quota look-ups",
    Severity.MEDIUM,
    "002",
    "T1580",
    "quota_recon_burst_threshold GetServiceQuota / ListServiceQuotas calls or more by one principal "
    "within burst_window_minutes.",
)
RECON_THEN_LAUNCH = Rule(
    "CG-CHAIN-001",
    "Reconnaissance followed by a launch",
    Severity.CRITICAL,
    "002",
    "T1496",
    "The same principal probed (DryRun, quota look-ups) and then launched compute within "
    "recon_chain_window_minutes: the opening of seed 002's campaign.",
)
RULES = (DRY_RUN_PROBE, QUOTA_RECON, RECON_THEN_LAUNCH)

QUOTA_EVENTS = {"GetServiceQuota", "ListServiceQuotas", "GetAWSDefaultServiceQuota"}
CHAIN_LAUNCHES = LAUNCH_EVENTS | {"CreateAutoScalingGroup", "RegisterTaskDefinition", "CreateService", "RunTask"}


def _recon(record: Record, ctx: Context) -> Iterator[Finding]:
    s = ctx.settings
    chain_window = ctx.minutes(s.recon_chain_window_minutes)
    member = f"{record.event_name}:{record.event_id}"
    # AWS's own calls are not reconnaissance, DryRun or not: services probe permissions for their customers.
    is_recon = not record.by_aws_service and (
        record.error_code == DRY_RUN or (record.event_name in QUOTA_EVENTS and record.service == "servicequotas")
    )
    if is_recon:
        ctx.store.add(ctx.key("recon", record), member, record.event_time, chain_window)
        if record.error_code == DRY_RUN:
            yield DRY_RUN_PROBE.finding(record, {"api": record.event_name})
        else:
            lookups = ctx.busiest("quota", record, record.event_id, s.burst_window_minutes).score
            if lookups >= s.quota_recon_burst_threshold:
                yield QUOTA_RECON.finding(
                    record,
                    {
                        "lookups_in_window": lookups,
                        "service_code": record.request.get("serviceCode"),
                        "quota_code": record.request.get("quotaCode"),
                    },
                )
        # A launch evaluated before this probe arrived (queues do not keep order) still makes the chain.
        launches = [
            e
            for e in ctx.store.recent(ctx.key("chain-launch", record), record.event_time, chain_window)
            if e.at >= record.event_time
        ]
        if launches:
            # Every probe stored so far that precedes the launch: the last finding tells the whole story.
            recon = ctx.store.recent(ctx.key("recon", record), launches[0].at, chain_window)
            yield _chain(record, [e for e in recon if e.at <= launches[0].at], launches[0])
    elif record.event_name in CHAIN_LAUNCHES and record.succeeded and not record.by_aws_service:
        ctx.store.add(ctx.key("chain-launch", record), member, record.event_time, chain_window)
        probes = [
            e
            for e in ctx.store.recent(ctx.key("recon", record), record.event_time, chain_window)
            if e.at <= record.event_time
        ]
        if probes:
            yield _chain(record, probes, Entry(member, record.event_time))


def _chain(record: Record, probes: list[Entry], launch: Entry) -> Finding:
    """Members are "<event name>:<event id>": the finding names every step and points at each event."""
    steps = sorted([*probes, launch], key=lambda e: (e.at, e.member))
    return RECON_THEN_LAUNCH.finding(
        record,
        {
            "recon": sorted({p.member.split(":", 1)[0] for p in probes}),
            "recon_calls": len(probes),
            "first_recon": min(p.at for p in probes).isoformat(),
            "launch": launch.member.split(":", 1)[0],
        },
        related=tuple(e.member.split(":", 1)[1] for e in steps),
    )


CHECKS = (_recon,)
