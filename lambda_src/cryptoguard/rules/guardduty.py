"""GuardDuty findings turned into the same alert format as the CloudTrail rules."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.records import Record, as_dict
from cryptoguard.rules.base import Context, Finding, Rule, Severity

CRYPTO_FINDING = Rule(
    "CG-GD-001",
    "GuardDuty: cryptomining finding",
    Severity.HIGH,
    "002",
    "T1496",
    "CryptoCurrency:*, Impact:Runtime/CryptoMinerExecuted and Bitcoin-domain findings; "
    "AttackSequence:* (Extended Threat Detection) is CRITICAL.",
)
SEVERE_FINDING = Rule(
    "CG-GD-002",
    "GuardDuty: high-severity finding",
    Severity.HIGH,
    "000",
    "T1496",
    "Any other GuardDuty finding at or above guardduty_severity_threshold.",
)
RULES = (CRYPTO_FINDING, SEVERE_FINDING)

CRYPTO_PREFIXES = (
    "CryptoCurrency:",
    "AttackSequence:",
    "Impact:Runtime/CryptoMinerExecuted",
    "Impact:EC2/BitcoinDomainRequest",
    "Impact:Runtime/BitcoinDomainRequest",
)


def _severity(finding: dict) -> float:
    try:
        return float(finding.get("severity", 0))
    except (TypeError, ValueError):
        return 0.0


def _guardduty(record: Record, ctx: Context) -> Iterator[Finding]:
    finding = record.finding
    if finding is None:
        return
    kind = record.event_name
    score = _severity(finding)
    resource = as_dict(finding.get("resource"))
    details = {
        "finding_type": kind,
        "finding_id": finding.get("id"),
        "guardduty_severity": score,
        "resource_type": resource.get("resourceType"),
        "title": finding.get("title"),
    }
    if kind.startswith(CRYPTO_PREFIXES):
        critical = kind.startswith("AttackSequence:") or score >= 9
        yield CRYPTO_FINDING.finding(record, details, severity=Severity.CRITICAL if critical else None, subject=kind)
    elif score >= ctx.settings.guardduty_severity_threshold:
        yield SEVERE_FINDING.finding(record, details, severity=Severity.CRITICAL if score >= 9 else None, subject=kind)


CHECKS = (_guardduty,)
