"""`cryptoguard hunt`: the live rules over CloudTrail archives. Each record goes through the same patterns
EventBridge applies (so hunt sees what the Lambda would have seen), then the same rules, and each finding is
written as one JSON line."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from cryptoguard import patterns
from cryptoguard.indicators import redacted
from cryptoguard.records import MalformedEvent, Record, normalise
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.sources import Batch

MAX_ERRORS_SHOWN = 20


@dataclass
class Summary:
    records: int = 0
    delivered: int = 0
    findings: int = 0
    malformed: int = 0
    unreadable: int = 0
    redacted: int = 0  # launches whose user data CloudTrail hid and nobody read back
    by_rule: Counter = field(default_factory=Counter)
    worst: Severity | None = None

    def text(self) -> str:
        lines = [
            f"hunt: {self.records} records read, {self.delivered} matched the event patterns, "
            f"{self.findings} findings; {self.malformed} malformed records, {self.unreadable} unreadable inputs"
        ]
        lines += [f"  {rule}: {count}" for rule, count in sorted(self.by_rule.items())]
        if self.redacted:
            lines.append(
                f"  {self.redacted} launches had their user data redacted by CloudTrail, so miners in it were not "
                "looked for: --enrich reads it back from the member accounts"
            )
        return "\n".join(lines)


def _undeliverable(value: object, gate: patterns.Gate, cache: dict) -> bool:
    """A well-formed raw CloudTrail record that no deployed rule could deliver: skip it before the cost of
    normalising. Anything else (events, findings, records missing fields) takes the full path, so malformed
    records are still reported. The answer depends on four fields only, so it is cached on them."""
    if not isinstance(value, dict) or "detail-type" in value:
        return False
    source, name = value.get("eventSource"), value.get("eventName")
    if not isinstance(source, str) or not isinstance(name, str):
        return False
    key = (source, name, value.get("awsRegion"), value.get("readOnly") in (True, "true"))
    answer = cache.get(key)
    if answer is None:
        answer = cache[key] = not gate.candidates("aws." + source.split(".", 1)[0], str(key[2] or ""), key[3], name)
    return answer


def run(
    batches: Iterable[Batch],
    ctx: Context,
    out: IO[str] = sys.stdout,
    err: IO[str] = sys.stderr,
    enrich: Callable[[Record], Record] | None = None,
) -> Summary:
    summary = Summary()
    s = ctx.settings
    gate = patterns.Gate(s.allowed_regions, s.guardduty_severity_threshold)
    gate_cache: dict = {}
    shown = 0

    def report(message: str) -> None:
        nonlocal shown
        shown += 1
        if shown <= MAX_ERRORS_SHOWN:
            print(f"error: {message}", file=err)
        elif shown == MAX_ERRORS_SHOWN + 1:
            print("error: (further errors counted in the summary only)", file=err)

    records = 0  # a local in the hot loop, stored in the summary at the end
    for batch in batches:
        if batch.error is not None:
            summary.unreadable += 1
            report(str(batch.error))
            continue
        records += len(batch.values)
        for index, value in enumerate(batch.values):
            if _undeliverable(value, gate, gate_cache):
                continue
            try:
                record = normalise(value)
            except MalformedEvent as exc:
                summary.malformed += 1
                report(f"{batch.origin(index)}: {exc}")
                continue
            if not gate.delivered(record.to_eventbridge(), record.region, record.read_only):
                continue
            summary.delivered += 1
            if enrich is not None:
                record = enrich(record)
            summary.redacted += redacted(record)
            for finding in evaluate(record, ctx):
                summary.findings += 1
                summary.by_rule[finding.rule.id] += 1
                summary.worst = max(summary.worst or finding.severity, finding.severity)
                out.write(json.dumps(finding.to_dict(), default=str) + "\n")
    summary.records = records
    return summary
