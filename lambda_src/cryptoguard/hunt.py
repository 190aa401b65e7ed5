"""`cryptoguard hunt`: the live rules over CloudTrail archives. Each record goes through the same patterns
EventBridge applies (so hunt sees what the Lambda would have seen), then the same rules, and each finding is
written as one JSON line."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from cryptoguard import patterns
from cryptoguard.records import MalformedEvent, normalise
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.sources import Item, SourceError

MAX_ERRORS_SHOWN = 20


@dataclass
class Summary:
    records: int = 0
    delivered: int = 0
    findings: int = 0
    malformed: int = 0
    unreadable: int = 0
    by_rule: Counter = field(default_factory=Counter)
    worst: Severity | None = None

    def text(self) -> str:
        lines = [f"hunt: {self.records} records read, {self.delivered} matched the event patterns, "
                 f"{self.findings} findings; {self.malformed} malformed records, {self.unreadable} unreadable inputs"]
        lines += [f"  {rule}: {count}" for rule, count in sorted(self.by_rule.items())]
        return "\n".join(lines)


def run(items: Iterable[Item], ctx: Context, out: IO[str] = sys.stdout, err: IO[str] = sys.stderr) -> Summary:
    summary = Summary()
    s = ctx.settings
    shown = 0

    def report(message: str) -> None:
        nonlocal shown
        shown += 1
        if shown <= MAX_ERRORS_SHOWN:
            print(f"error: {message}", file=err)
        elif shown == MAX_ERRORS_SHOWN + 1:
            print("error: (further errors counted in the summary only)", file=err)

    for item in items:
        if isinstance(item.value, SourceError):
            summary.unreadable += 1
            report(str(item.value))
            continue
        summary.records += 1
        try:
            record = normalise(item.value)
        except MalformedEvent as exc:
            summary.malformed += 1
            report(f"{item.origin}: {exc}")
            continue
        event = record.to_eventbridge()
        if not patterns.delivered(event, record.region, s.allowed_regions, s.guardduty_severity_threshold,
                                  record.read_only):
            continue
        summary.delivered += 1
        for finding in evaluate(record, ctx):
            summary.findings += 1
            summary.by_rule[finding.rule.id] += 1
            summary.worst = max(summary.worst or finding.severity, finding.severity)
            out.write(json.dumps(finding.to_dict(), default=str) + "\n")
    return summary
