"""The GuardDuty coverage audit, pure: what the delegated administrator's detectors, members, features and
coverage say, turned into gaps, and the gaps into alerts of the same format as every other alert. The handler
(handlers/coverage.py) reads the APIs; nothing here calls AWS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptoguard.alerts import Alert
from cryptoguard.rules.base import Rule
from cryptoguard.rules.coverage import AGENTS_MISSING, NO_DETECTOR, RUNTIME_OFF, UNREADABLE

RUNTIME = "RUNTIME_MONITORING"
AGENT_MANAGEMENT = ("EC2_AGENT_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EKS_ADDON_MANAGEMENT")
ENABLED_MEMBER = "Enabled"


@dataclass(frozen=True)
class Gap:
    rule: Rule
    account: str
    region: str
    subject: str = ""
    count: int = 1
    details: dict[str, Any] = field(default_factory=dict)

    def alert(self, now: datetime) -> Alert:
        return Alert(
            self.rule.id,
            self.rule.title,
            self.rule.severity,
            self.account,
            self.region,
            "guardduty-coverage-audit",
            "|".join((self.rule.id, self.account, self.region, self.subject)),
            self.rule.seed,
            self.rule.mitre,
            count=self.count,
            first_seen=now,
            last_seen=now,
            details=self.details,
        )


def _disabled(features: Iterable[dict]) -> list[str]:
    """What of Runtime Monitoring is off in a detector's or member's features: the feature, or its agent
    management per platform. A feature that is not listed at all counts as off."""
    runtime = next((f for f in features if f.get("Name") == RUNTIME), None)
    if runtime is None or runtime.get("Status") != "ENABLED":
        return [RUNTIME]
    extra = {c.get("Name"): c.get("Status") for c in runtime.get("AdditionalConfiguration") or []}
    return [name for name in AGENT_MANAGEMENT if extra.get(name) != "ENABLED"]


def region_gaps(
    region: str,
    admin: str,
    detector: dict | None,
    members: Iterable[dict] = (),
    member_features: Iterable[dict] = (),
    unhealthy: Iterable[dict] = (),
) -> list[Gap]:
    """Gaps of one region. `detector`: GetDetector of the administrator's detector, None when the region has
    none. `members`: ListMembers. `member_features`: GetMemberDetectors' MemberDataSourceConfigurations.
    `unhealthy`: ListCoverage's resources with CoverageStatus UNHEALTHY."""
    if detector is None:
        return [Gap(NO_DETECTOR, admin, region, details={"reason": "the delegated administrator has no detector"})]
    gaps: list[Gap] = []
    for member in members:
        if member.get("RelationshipStatus") != ENABLED_MEMBER:
            status = member.get("RelationshipStatus", "unknown")
            gaps.append(Gap(NO_DETECTOR, member["AccountId"], region, details={"member_status": status}))
    features = [(admin, detector.get("Features") or [])]
    features += [(m["AccountId"], m.get("Features") or []) for m in member_features]
    for account, listed in features:
        off = _disabled(listed)
        if off:
            gaps.append(Gap(RUNTIME_OFF, account, region, details={"disabled": off}))
    by_kind: dict[tuple[str, str], list[dict]] = {}
    for resource in unhealthy:
        kind = (resource.get("ResourceDetails") or {}).get("ResourceType", "UNKNOWN")
        by_kind.setdefault((resource.get("AccountId", admin), kind), []).append(resource)
    for (account, kind), resources in sorted(by_kind.items()):
        issues = Counter(r.get("Issue") or "unknown" for r in resources)
        details = {
            "resource_type": kind,
            "resources": [r.get("ResourceId") for r in resources[:20]],
            "issues": dict(issues.most_common(5)),
        }
        gaps.append(Gap(AGENTS_MISSING, account, region, kind, len(resources), details))
    return gaps


def unreadable(region: str, account: str, error: str) -> Gap:
    return Gap(UNREADABLE, account, region, details={"error": error[:500]})
