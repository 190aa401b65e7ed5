"""The EventBridge patterns (data/patterns.json) and a local matcher for them.

The matcher implements the subset of EventBridge pattern syntax that the data file uses (exact values,
prefix, anything-but, numeric, exists), so that `hunt` over CloudTrail archives sees exactly the records
EventBridge would have delivered. A test holds it to EventBridge's own answer (TestEventPattern).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "patterns.json"
ALL_EVENTS_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
GLOBAL_REGION = "us-east-1"


@cache
def infrastructure(path: Path = DATA_FILE) -> dict[str, dict]:
    """The project's own plumbing patterns (central bus, instance and alarm state, alerts), by name."""
    return {name: p["pattern"] for name, p in json.loads(path.read_text())["infrastructure"].items()}


@dataclass(frozen=True)
class Pattern:
    name: str
    description: str
    scope: str  # every_region | unused_regions | global
    read_only: bool
    pattern: dict

    @property
    def rule_state(self) -> str:
        return ALL_EVENTS_STATE if self.read_only else "ENABLED"

    def applies_in(self, region: str, allowed_regions: tuple[str, ...]) -> bool:
        if self.scope == "global":
            return region == GLOBAL_REGION
        if self.scope == "unused_regions":
            return bool(allowed_regions) and region not in allowed_regions
        return True


@cache
def named(name: str) -> Pattern:
    """One pattern of the data file, by name (looked up once)."""
    return next(p for p in load() if p.name == name)


def global_event_sources() -> tuple[str, ...]:
    """The global services (their events log in us-east-1 whatever region the caller used), as the one place
    that names them: the unused-region pattern's eventSource exclusion."""
    return tuple(named("unused_region_activity").pattern["detail"]["eventSource"][0]["anything-but"])


def with_severity_threshold(pattern: dict, threshold: float) -> dict:
    """The GuardDuty severity pattern with a deployment's threshold (Terraform does the same)."""
    if "severity" not in pattern.get("detail", {}):
        return pattern
    return {**pattern, "detail": {**pattern["detail"], "severity": [{"numeric": [">=", threshold]}]}}


@cache
def load(path: Path = DATA_FILE) -> tuple[Pattern, ...]:
    data = json.loads(path.read_text())
    return tuple(
        Pattern(name, p["description"], p["scope"], p["read_only"], p["pattern"])
        for name, p in data["patterns"].items()
    )


def _match_value(condition: Any, value: Any) -> bool:
    if not isinstance(condition, dict):
        return condition == value
    if "prefix" in condition:
        return isinstance(value, str) and value.startswith(condition["prefix"])
    if "anything-but" in condition:
        excluded = condition["anything-but"]
        excluded = excluded if isinstance(excluded, list) else [excluded]
        return value is not None and value not in excluded
    if "numeric" in condition:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        ops = condition["numeric"]
        checks = {">": value.__gt__, ">=": value.__ge__, "<": value.__lt__, "<=": value.__le__, "=": value.__eq__}
        return all(checks[ops[i]](ops[i + 1]) for i in range(0, len(ops), 2))
    if "exists" in condition:
        return (value is not None) == condition["exists"]
    raise ValueError(f"pattern operator not supported by the local matcher: {condition}")


def matches(pattern: dict, event: Any) -> bool:
    """True when EventBridge would deliver `event` to a rule with `pattern`."""
    if not isinstance(event, dict):
        return False
    for key, condition in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in condition):
                return False
            continue
        value = event.get(key)
        if isinstance(condition, dict):
            # EventBridge flattens arrays: a nested pattern matches when any object of an array does.
            objects = [v for v in value if isinstance(v, dict)] if isinstance(value, list) else [value]
            if not any(matches(condition, v if isinstance(v, dict) else {}) for v in objects or [{}]):
                return False
            continue
        values = value if isinstance(value, list) else [value]
        if value is None and all(isinstance(c, dict) and c.get("exists") is False for c in condition):
            continue
        if not any(_match_value(c, v) for c in condition for v in values):
            return False
    return True


def _name_allowed(pattern: dict, name: str) -> bool:
    conditions = pattern.get("detail", {}).get("eventName")
    return conditions is None or any(_match_value(c, name) for c in conditions)


# The fields Gate.candidates decides on: a pattern's other conditions are what `required_literals` looks at.
GATE_FIELDS = frozenset({"source", "detail-type", "eventName", "eventSource", "awsRegion", "readOnly"})


def required_literals(node: Any) -> frozenset[str] | None:
    """Strings of which at least one must appear, as a JSON string or the start of one, in any event the
    pattern matches; None when the pattern does not require such a string beyond the gate's fields. Lets hunt
    pass over a record by searching its raw bytes (protection_tags needs "cryptoguard:" in some tag key)."""
    if isinstance(node, list):
        if node and all(isinstance(c, str) or (isinstance(c, dict) and set(c) == {"prefix"}) for c in node):
            return frozenset(c if isinstance(c, str) else c["prefix"] for c in node)
        return None
    if not isinstance(node, dict):
        return None
    for key, condition in node.items():
        if key in GATE_FIELDS:
            continue
        if key == "$or":
            alternatives = [required_literals(alternative) for alternative in condition]
            if all(a is not None for a in alternatives):
                return frozenset().union(*alternatives)
            continue
        found = required_literals(condition)
        if found is not None:
            return found  # every key of an object must match, so any one's requirement is necessary
    return None


class Gate:
    """The patterns as deployed for one configuration (allowed regions, severity threshold), indexed by event
    source: which rules would deliver an event, asked millions of times by `hunt`."""

    def __init__(self, allowed_regions: tuple[str, ...], severity_threshold: float) -> None:
        self.allowed_regions = tuple(allowed_regions)
        self._by_source: dict[str, list[Pattern]] = {}
        self._any_source: list[Pattern] = []
        for p in load():
            p = Pattern(
                p.name, p.description, p.scope, p.read_only, with_severity_threshold(p.pattern, severity_threshold)
            )
            sources = p.pattern.get("source")
            if sources and all(isinstance(x, str) for x in sources):
                for source in sources:
                    self._by_source.setdefault(source, []).append(p)
            else:
                self._any_source.append(p)

    def candidates(self, source: str, region: str, read_only: bool, name: str | None = None) -> list[Pattern]:
        """Patterns that could deliver an event of this source (and CloudTrail event name) here; empty means
        none can."""
        return [
            p
            for p in (*self._by_source.get(source, ()), *self._any_source)
            if (p.read_only or not read_only)
            and p.applies_in(region, self.allowed_regions)
            and (name is None or _name_allowed(p.pattern, name))
        ]

    def delivers(self, event: dict, region: str, read_only: bool) -> bool:
        """Would any rule deliver this event here? (`delivered`, stopping at the first.)"""
        source = str(event.get("source"))
        return any(matches(p.pattern, event) for p in self.candidates(source, region, read_only))

    def delivered(self, event: dict, region: str, read_only: bool) -> list[str]:
        """Names of the patterns whose rules would deliver this event in this region. EventBridge drops
        read-only events unless a rule asks for all management events."""
        return [
            p.name for p in self.candidates(str(event.get("source")), region, read_only) if matches(p.pattern, event)
        ]
