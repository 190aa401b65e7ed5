"""The batch pipeline: one alert per incident, malformed input set aside without losing the rest."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cryptoguard.alerts import SUBJECT_LIMIT
from cryptoguard.drill import scenarios as sc
from cryptoguard.pipeline import process
from cryptoguard.rules import Context
from cryptoguard.settings import Settings
from cryptoguard.state import MemoryStore

SETTINGS = Settings(allowed_regions=sc.ALLOWED_REGIONS)


def _messages(events):
    return [{"messageId": f"m{i}", "body": json.dumps(e)} for i, e in enumerate(events)]


def _launch(clock, **kw):
    return sc._run_instances(clock, "sa-east-1", sc.STOLEN_USER, 1, "p3.2xlarge", **kw)


def test_five_hundred_calls_become_one_alert_with_a_count():
    clock = sc.Clock("2025-01-01T00:00:00Z", step_seconds=1)
    events = [_launch(clock) for _ in range(500)]
    sent = []
    result = process(_messages(events), Context(SETTINGS), sent.append)
    by_rule = {a.rule_id: a for a in sent}
    assert by_rule["CG-REGION-001"].count == 500
    assert by_rule["CG-LAUNCH-002"].count == 500
    assert len([a for a in sent if a.rule_id == "CG-REGION-001"]) == 1
    assert result.failed == [] and result.malformed == []
    subject = by_rule["CG-REGION-001"].subject
    assert "x500" in subject and "sa-east-1" in subject and len(subject) <= SUBJECT_LIMIT


def test_an_open_incident_is_not_renotified_for_every_batch():
    clock = sc.Clock("2025-01-01T00:00:00Z", step_seconds=1)
    ctx = Context(SETTINGS, MemoryStore())
    sent = []
    process(_messages([_launch(clock)]), ctx, sent.append)
    first = len(sent)
    process(_messages([_launch(clock) for _ in range(3)]), ctx, sent.append)
    assert len(sent) == first  # same incidents, count 4 < 100: quiet
    process(_messages([_launch(clock) for _ in range(96)]), ctx, sent.append)
    assert len(sent) > first  # count crossed 100: one reminder per incident


def test_alert_body_carries_every_field():
    clock = sc.Clock("2025-01-01T00:00:00Z")
    sent = []
    process(_messages([_launch(clock)]), Context(SETTINGS), sent.append)
    body = json.loads(sent[0].body())
    for key in (
        "rule_id",
        "title",
        "severity",
        "account",
        "region",
        "principal",
        "count",
        "first_seen",
        "last_seen",
        "event_ids",
        "event_names",
        "source_ips",
        "seed",
        "mitre",
        "details",
    ):
        assert key in body


def test_malformed_records_are_set_aside_and_the_rest_still_processed():
    clock = sc.Clock("2025-01-01T00:00:00Z")
    good = _messages([_launch(clock), _launch(clock)])
    bad = [
        {"messageId": "bad1", "body": "{not json"},
        {"messageId": "bad2", "body": json.dumps({"detail-type": 3})},
        {"messageId": "bad3"},
    ]
    parked = []
    result = process(
        [good[0], *bad, good[1]],
        Context(SETTINGS),
        lambda a: None,
        lambda m, reason: parked.append((m.get("messageId"), reason)) or True,
    )
    assert [m for m, _ in parked] == ["bad1", "bad2", "bad3"]
    assert all(reason for _, reason in parked)
    assert result.failed == []
    assert {f.record.event_id for f in result.findings} == {json.loads(m["body"])["detail"]["eventID"] for m in good}


def test_without_a_dead_letter_queue_malformed_records_are_retried_not_dropped():
    result = process([{"messageId": "bad", "body": "[]"}], Context(SETTINGS), lambda a: None)
    assert result.batch_item_failures() == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_a_failing_dead_letter_queue_turns_into_a_retry():
    def broken(message, reason):
        raise ConnectionError("DLQ unreachable")

    result = process([{"messageId": "bad", "body": "1"}], Context(SETTINGS), lambda a: None, broken)
    assert result.failed == ["bad"]


# Malformed events are real ones with a few mutations: a key deleted, a value swapped for another type, the
# JSON cut short. Cheaper to generate than arbitrary trees (10,000 examples in seconds, not minutes) and closer
# to what a broken producer really sends.
BASES = [e for s in sc.all_scenarios() for e in s.events()][::7]
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.just([])
    | st.just({})
    | st.just("<sensitiveDataRemoved>")
)
mutations = st.lists(
    st.tuples(st.integers(0, 10_000), st.sampled_from(["delete", "replace", "wrap"]), leaves), min_size=1, max_size=4
)


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def mutate(event, ops):
    event = json.loads(json.dumps(event))
    for pick, op, leaf in ops:
        paths = list(_paths(event))
        if not paths:
            break
        *parent_path, key = paths[pick % len(paths)]
        parent = event
        for k in parent_path:
            parent = parent[k]
        if op == "delete":
            parent.pop(key) if isinstance(parent, dict) else parent.pop(key)
        elif op == "replace":
            parent[key] = leaf
        else:
            parent[key] = [parent[key], leaf]
    return event


@st.composite
def mangled_bodies(draw):
    event = mutate(draw(st.sampled_from(BASES)), draw(mutations))
    text = json.dumps(event)
    return text[: draw(st.integers(0, len(text)))] if draw(st.booleans()) and draw(st.booleans()) else text


GOOD = _launch(sc.Clock("2025-01-01T00:00:00Z"))
GOOD_MESSAGE = {"messageId": "good", "body": json.dumps(GOOD)}


def _hostile(event: dict, shape: str, where: int) -> str:
    """A real event with one hostile value planted at the `where`-th path: a number JSON cannot hold, an
    integer of thousands of digits, nesting thousands deep, or a field of megabytes."""
    text = json.dumps(mutate(event, [(where, "replace", f"@@{shape}@@")]))
    planted = {
        "infinity": "Infinity",
        "nan": "NaN",
        "overflow": "1e999",
        "huge_int": "9" * 5000,
        "deep": "[" * 5000 + "]" * 5000,
        "oversized": json.dumps("x" * (2 << 20)),
    }[shape]
    return text.replace(f'"@@{shape}@@"', planted)


hostile_bodies = st.builds(
    _hostile,
    st.sampled_from(BASES),
    st.sampled_from(["infinity", "nan", "overflow", "huge_int", "deep", "oversized"]),
    st.integers(0, 10_000),
)


@hsettings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(body=mangled_bodies() | hostile_bodies)
def test_fuzz_no_event_crashes_the_batch(body):
    good = GOOD
    messages = [{"messageId": "fuzz", "body": body}, GOOD_MESSAGE]
    parked = []
    quiet = logging.getLogger("cryptoguard")
    quiet.disabled = True  # 10,000 error logs into pytest's capture would dominate the run
    try:
        result = process(
            messages, Context(SETTINGS), lambda a: None, lambda m, r: parked.append(m["messageId"]) or True
        )
    finally:
        quiet.disabled = False
    # The good record is always evaluated; the fuzzed one is evaluated or parked with its reason, and with a
    # working dead-letter queue nothing is left to retry: a retry here would mean a rule crashed on odd input.
    assert any(f.record.event_id == good["detail"]["eventID"] for f in result.findings)
    assert result.failed == []
    assert parked == [m for m, _ in result.malformed]
    assert "good" not in parked


@pytest.mark.parametrize("shape", ["infinity", "nan", "overflow", "huge_int", "deep", "oversized"])
def test_hostile_shapes_are_set_aside_with_their_reason(shape):
    parked = []
    result = process(
        [{"messageId": "bad", "body": _hostile(GOOD, shape, 3)}, GOOD_MESSAGE],
        Context(SETTINGS),
        lambda a: None,
        lambda m, reason: parked.append(reason) or True,
    )
    assert result.failed == [] and len(parked) == 1 and parked[0]
    assert any(f.record.event_id == GOOD["detail"]["eventID"] for f in result.findings)
