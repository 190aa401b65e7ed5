"""Bandwidth and storage "mining" that keeps CPU low (seed 004, Meson CDN): bursts of public addresses and
volumes by one principal."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.records import Record
from cryptoguard.rules.base import Context, Finding, Rule, Severity

ADDRESS_BURST = Rule(
    "CG-NET-001",
    "Burst of public IP address allocations",
    Severity.MEDIUM,
    "004",
    "T1496",
    "address_burst_threshold AllocateAddress / AssociateAddress calls or more by one principal "
    "within burst_window_minutes (seed 004: public IPv4 alone could cost $22,000 a month).",
)
VOLUME_BURST = Rule(
    "CG-STORAGE-001",
    "Burst of EBS volume creation",
    Severity.MEDIUM,
    "004",
    "T1496",
    "volume_burst_threshold CreateVolume calls or more by one principal within "
    "burst_window_minutes: storage sold to a decentralised CDN.",
)
RULES = (ADDRESS_BURST, VOLUME_BURST)

_BURSTS = {
    "AllocateAddress": ("address", ADDRESS_BURST, "address_burst_threshold"),
    "AssociateAddress": ("address", ADDRESS_BURST, "address_burst_threshold"),
    "CreateVolume": ("volume", VOLUME_BURST, "volume_burst_threshold"),
}


def _bursts(record: Record, ctx: Context) -> Iterator[Finding]:
    spec = _BURSTS.get(record.event_name)
    if spec is None or record.service != "ec2" or not record.succeeded or record.by_aws_service:
        return
    family, rule, setting = spec
    threshold = getattr(ctx.settings, setting)
    calls = ctx.busiest(family, record, record.event_id, ctx.settings.burst_window_minutes).score
    if calls >= threshold:
        yield rule.finding(
            record,
            {"calls_in_window": calls, "threshold": threshold, "window_minutes": ctx.settings.burst_window_minutes},
        )


CHECKS = (_bursts,)
