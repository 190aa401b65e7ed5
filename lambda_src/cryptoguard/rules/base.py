"""What a rule is and what it returns. Rules are pure functions of a record plus a Context (settings and a
window store) that yield Findings; only handlers and the CLI talk to AWS."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from functools import cached_property
from typing import Any

from cryptoguard.costs import Cost, estimate
from cryptoguard.records import Record
from cryptoguard.settings import Settings
from cryptoguard.state import Bucket, MemoryStore, Run, WindowStore, heaviest
from cryptoguard.targets import Target


class Severity(IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r}: use one of {', '.join(s.name for s in cls)}") from None


# Event ids a finding or an alert carries at most: enough to open every step of a chain in CloudTrail.
MAX_EVENT_IDS = 20

SEEDS = {
    "000": "Serverworks: preparing for cryptomining abuse in AWS (unused regions, GPU fleets, GuardDuty, cost)",
    "002": "AWS Security Blog, Dec 2025: GuardDuty Extended Threat Detection uncovers an EC2/ECS mining campaign",
    "004": "Sysdig TRT, Mar 2024: Meson CDN nodes on 6,000 micro instances (bandwidth/storage mining)",
}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    seed: str
    mitre: str
    description: str

    def finding(
        self,
        record: Record,
        details: dict[str, Any] | None = None,
        severity: Severity | None = None,
        subject: str = "",
        targets: tuple[Target, ...] = (),
        related: tuple[str, ...] = (),
    ) -> Finding:
        """A finding of this rule. `subject` narrows the incident (a user name, a group) beyond
        account/region/principal, so that unrelated resources are not folded into one alert. `targets`: more
        resources than the record names (a burst finding carries every resource of the burst). `related`: the
        event ids of the other events a correlated finding stands on, so that it points at the whole story."""
        chosen = severity if severity is not None else self.severity
        return Finding(self, chosen, record, details or {}, subject, targets, related)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    record: Record
    details: dict[str, Any] = field(default_factory=dict)
    subject: str = ""
    targets: tuple[Target, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def event_ids(self) -> list[str]:
        """This event's id and those of the events it was correlated with, in order, once each."""
        return list(dict.fromkeys(i for i in (self.record.event_id, *self.related) if i))[:MAX_EVENT_IDS]

    @cached_property
    def cost(self) -> Cost | None:
        """Money at risk: what the capacity this finding is about costs while it runs (costs.py). Cached: the
        finding's log line and its alert both ask."""
        return estimate(self.record, self.details)

    @property
    def incident(self) -> str:
        r = self.record
        return "|".join((self.rule.id, self.severity.name, r.account, r.region, r.principal, self.subject))

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "rule_id": self.rule.id,
            "severity": self.severity.name,
            "title": self.rule.title,
            "event_id": r.event_id,
            "event_ids": self.event_ids,
            "event_name": r.event_name,
            "event_time": r.event_time.isoformat(),
            "account": r.account,
            "region": r.region,
            "principal": r.principal,
            "source_ip": r.source_ip,
            "user_agent": r.user_agent,
            "seed": self.rule.seed,
            "mitre": self.rule.mitre,
            "details": self.details,
            **({"cost": cost.as_dict()} if (cost := self.cost) else {}),
        }


@dataclass
class Context:
    settings: Settings = field(default_factory=Settings)
    store: WindowStore = field(default_factory=MemoryStore)

    def __post_init__(self) -> None:
        if isinstance(self.store, MemoryStore):
            s = self.settings
            longest = max(
                s.launch_window_minutes, s.burst_window_minutes, s.iam_window_minutes, s.recon_chain_window_minutes
            )
            self.store.cover(timedelta(minutes=longest))

    def minutes(self, value: int) -> timedelta:
        return timedelta(minutes=value)

    @staticmethod
    def named_in(record: Record, principals: tuple[str, ...]) -> bool:
        """True when the caller (its ARN or its role's) matches one of the ARN glob patterns."""
        names = [record.principal, record.session_issuer]
        return any(fnmatch.fnmatchcase(n, p) for p in principals for n in names if n)

    def allowlisted(self, record: Record) -> bool:
        return self.named_in(record, self.settings.allowlisted_principals)

    def administrator(self, record: Record) -> bool:
        """One of the principals that manage this project (its rules, its protection tags)."""
        return self.named_in(record, self.settings.administrator_principals)

    def key(self, family: str, record: Record) -> str:
        return f"{family}|{record.account}|{record.principal}"

    def burst(
        self, family: str, record: Record, member: str, minutes: int, weight_: int = 1, group: str = ""
    ) -> list[Bucket]:
        """Count this call of the principal's (`member` once, with `weight_`, in `group`); return the
        per-second buckets of such calls within `minutes` either side, for `heaviest`."""
        return self.store.tally(
            self.key(family, record), member, record.event_time, self.minutes(minutes), weight_, group
        )

    def busiest(self, family: str, record: Record, member: str, minutes: int, weight_: int = 1) -> Run:
        """Count this call and return the busiest `minutes`-long run of such calls that includes it."""
        buckets = self.burst(family, record, member, minutes, weight_)
        return heaviest(buckets, record.event_time, self.minutes(minutes))


Check = Callable[[Record, Context], Iterator[Finding]]
