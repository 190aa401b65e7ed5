"""The rule registry: every rule's metadata (the catalogue) and every check, in evaluation order."""

from __future__ import annotations

from cryptoguard.records import Record
from cryptoguard.rules import (
    compute,
    containers,
    coverage,
    guardduty,
    network,
    persistence,
    recon,
    services,
    tampering,
)
from cryptoguard.rules.base import Context, Finding, Rule, Severity

_FAMILIES = (recon, compute, services, containers, network, persistence, tampering, guardduty, coverage)
RULES: dict[str, Rule] = {rule.id: rule for family in _FAMILIES for rule in family.RULES}
CHECKS = tuple(check for family in _FAMILIES for check in family.CHECKS)


def evaluate(record: Record, ctx: Context) -> list[Finding]:
    """Every finding for one record. Allow-listed principals raise nothing."""
    if ctx.allowlisted(record):
        return []
    return [finding for check in CHECKS for finding in check(record, ctx)]


__all__ = ["RULES", "CHECKS", "Context", "Finding", "Rule", "Severity", "evaluate"]
