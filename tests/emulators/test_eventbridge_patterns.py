"""The patterns, judged by EventBridge's own matcher on LocalStack: the seed events match, unrelated events do
not, and the local matcher that `hunt` uses agrees with EventBridge on every case."""

from __future__ import annotations

import json

import boto3
import pytest

from cryptoguard import patterns
from cryptoguard.drill.scenarios import all_scenarios

pytestmark = pytest.mark.emulators
PATTERNS = patterns.load()
EVENTS = [e for s in all_scenarios() for e in s.events()]


def test_eventbridge_and_the_local_matcher_agree(emulators):
    events = boto3.client("events", region_name="us-east-1")
    checked = matched = 0
    for p in PATTERNS:
        pattern = json.dumps(p.pattern)
        for event in EVENTS:
            remote = events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]
            assert remote == patterns.matches(p.pattern, event), (p.name, event["detail"].get("eventName"))
            checked += 1
            matched += remote
    assert checked == len(PATTERNS) * len(EVENTS) and 0 < matched < checked


def test_seed_findings_match_and_low_findings_do_not(emulators):
    events = boto3.client("events", region_name="us-east-1")
    crypto = patterns.named("guardduty_crypto_findings")
    severe = patterns.named("guardduty_high_severity")
    findings = [e for e in EVENTS if e["detail-type"] == "GuardDuty Finding"]

    def match(p, e):
        return events.test_event_pattern(EventPattern=json.dumps(p.pattern), Event=json.dumps(e))["Result"]

    for finding in findings:
        kind = finding["detail"]["type"]
        seed = kind.startswith(("CryptoCurrency:", "AttackSequence:", "Impact:Runtime/CryptoMinerExecuted"))
        assert match(crypto, finding) is seed, kind
        assert match(severe, finding) is (finding["detail"]["severity"] >= 7), kind
