"""One alert per incident, not per API call: findings that share rule, severity, account, region, principal
and subject fold into one alert with a count (500 RunInstances calls become one alert saying 500)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptoguard.costs import WINDOW_TOTALS, Cost
from cryptoguard.rules.base import MAX_EVENT_IDS, Context, Finding, Severity
from cryptoguard.state import WindowStore
from cryptoguard.targets import MAX_TARGETS, Target, targets_of

SUBJECT_LIMIT = 99  # SNS subjects must be under 100 characters
# Re-notify an open incident only when its count reaches one of these, so a flood stays a handful of messages.
RENOTIFY_AT = (100, 1000, 10000)
# An incident stays open while its alerts come less than this apart; after it, the same activity opens a new one.
INCIDENT_WINDOW = timedelta(hours=6)


@dataclass
class Alert:
    rule_id: str
    title: str
    severity: Severity
    account: str
    region: str
    principal: str
    incident: str
    seed: str
    mitre: str
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    event_ids: list[str] = field(default_factory=list)
    event_names: set[str] = field(default_factory=set)
    source_ips: set[str] = field(default_factory=set)
    details: dict[str, Any] = field(default_factory=dict)
    targets: dict[Target, None] = field(default_factory=dict)  # ordered set: what the responder may act on
    cost: Cost | None = None  # money at risk: launches added up, a window's running total taken at its largest
    total: int = 0  # the incident's count with this alert's, once the pipeline knows it (0: this alert's alone)
    canary: bool = False  # caused by the canary: proof that the chain works, not an incident

    def add(self, finding: Finding) -> None:
        r = finding.record
        self.count += 1
        self.first_seen = min(filter(None, (self.first_seen, r.event_time)))
        self.last_seen = max(filter(None, (self.last_seen, r.event_time)))
        for event_id in finding.event_ids:  # a chain brings the ids of every step
            if len(self.event_ids) < MAX_EVENT_IDS and event_id not in self.event_ids:
                self.event_ids.append(event_id)
        self.event_names.add(r.event_name)
        if r.source_ip:
            self.source_ips.add(r.source_ip)
        self.details = finding.details  # the latest finding carries the running totals
        cost = finding.cost
        if cost is None or self.cost is None:
            self.cost = cost or self.cost
        elif any(key in finding.details for key in WINDOW_TOTALS):
            self.cost = max(self.cost, cost, key=lambda c: c.per_hour)
        else:
            self.cost = self.cost.plus(cost)
        for target in (*targets_of(r), *finding.targets):
            if len(self.targets) < MAX_TARGETS:
                self.targets[target] = None

    @property
    def subject(self) -> str:
        who = self.principal.rsplit("/", 1)[-1] or self.principal
        times = f" x{self.count}" if self.count > 1 else ""
        money = f" {self.cost.label()}:" if self.cost and self.cost.per_hour else ""
        label = "[CANARY] " if self.canary else ""
        head, tail = f"{label}[{self.severity.name}]{money} ", f"{times} - {self.account}/{self.region} by {who}"
        # The title gives way first: severity, money, count, account, region and who are what a person triages by.
        room = SUBJECT_LIMIT - len(head) - len(tail)
        title = self.title if len(self.title) <= room else self.title[: max(room - 3, 0)] + "..."
        text = head + title + tail
        return text if len(text) <= SUBJECT_LIMIT else text[: SUBJECT_LIMIT - 3] + "..."

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity.name,
            "account": self.account,
            "region": self.region,
            "principal": self.principal,
            "count": self.count,
            "incident_count": self.total or self.count,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "event_ids": self.event_ids,
            "event_names": sorted(self.event_names),
            "source_ips": sorted(self.source_ips),
            "seed": self.seed,
            "mitre": self.mitre,
            "details": self.details,
            "incident": self.incident,
            **({"canary": True} if self.canary else {}),
            "targets": [t.as_dict() for t in self.targets],
            **({"cost": self.cost.as_dict()} if self.cost else {}),
        }

    def body(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str)


def aggregate(findings: Iterable[Finding], canaries: tuple[str, ...] = ()) -> list[Alert]:
    """One alert per incident. `canaries`: ARN patterns of the canary's principals, whose alerts are marked."""
    alerts: dict[str, Alert] = {}
    for f in findings:
        r = f.record
        alert = alerts.get(f.incident)
        if alert is None:
            alert = alerts[f.incident] = Alert(
                f.rule.id,
                f.rule.title,
                f.severity,
                r.account,
                r.region,
                r.principal,
                f.incident,
                f.rule.seed,
                f.rule.mitre,
                canary=Context.named_in(r, canaries),
            )
        alert.add(f)
    return sorted(alerts.values(), key=priority)


def priority(alert: Alert) -> tuple:
    """Worst first, and among equals the costliest: the money at risk decides what a person reads first."""
    return (-alert.severity, -(alert.cost.per_hour if alert.cost else 0), alert.rule_id, alert.incident)


def worth_sending(alert: Alert, before: int) -> bool:
    """True for a new incident (`before`, its count so far, is 0), and again when its running count crosses a
    RENOTIFY_AT mark."""
    after = before + alert.count
    return before == 0 or any(before < mark <= after for mark in RENOTIFY_AT)


def incident_count(alert: Alert, store: WindowStore, window: timedelta) -> int:
    return store.count(alert.incident, alert.last_seen or datetime.now(), window)


def record_sent(alert: Alert, store: WindowStore, window: timedelta) -> None:
    """Count the alert into its incident: only after it was sent, so a failed send is sent again on retry."""
    store.bump(alert.incident, alert.count, alert.last_seen or datetime.now(), window)
