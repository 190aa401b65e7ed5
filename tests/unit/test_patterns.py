"""The pattern data file: valid, within EventBridge's limits, and covering every rule's trigger events."""

from __future__ import annotations

import json

import pytest

from cryptoguard import patterns
from cryptoguard.drill.scenarios import ALLOWED_REGIONS, attack_scenarios
from cryptoguard.records import normalise

PATTERNS = patterns.load()


def test_every_pattern_is_within_the_eventbridge_size_limit():
    for p in PATTERNS:
        assert len(json.dumps(p.pattern, separators=(",", ":"))) < 4096, p.name


def test_read_only_patterns_ask_for_all_management_events():
    states = {p.name: p.rule_state for p in PATTERNS}
    assert states["quota_recon"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    assert states["ec2_launches"] == "ENABLED"


def test_lambda_event_names_are_matched_by_prefix():
    lam = patterns.named("lambda_urls")
    assert all(isinstance(n, dict) and "prefix" in n for n in lam.pattern["detail"]["eventName"])


@pytest.mark.parametrize("scenario", attack_scenarios(), ids=lambda s: s.name)
def test_every_attack_event_is_delivered_by_some_pattern(scenario):
    gate = patterns.Gate(ALLOWED_REGIONS, 7.0)
    for event in scenario.events():
        r = normalise(event)
        assert gate.delivered(event, r.region, r.read_only), event["detail"].get(
            "eventName", event["detail"].get("type")
        )


def test_record_envelope_carries_every_field_the_patterns_read():
    def paths(pattern, prefix=()):
        for key, value in pattern.items():
            if key == "$or":
                for alternative in value:
                    yield from paths(alternative, prefix)
            elif isinstance(value, dict) and key != "requestParameters":  # its content is the call's own
                yield from paths(value, prefix + (key,))
            else:
                yield prefix + (key,)

    event = attack_scenarios()[0].events()[0]
    envelope = normalise(event).to_eventbridge()
    for p in PATTERNS:
        if p.pattern.get("source") == ["aws.guardduty"]:
            continue
        for path in paths(p.pattern):
            node = envelope
            for key in path:
                assert key in node, f"{p.name}: {'.'.join(path)} missing from Record.to_eventbridge()"
                node = node[key]


@pytest.mark.parametrize(
    "condition,value,expected",
    [
        ({"prefix": "Create"}, "CreateUser", True),
        ({"prefix": "Create"}, "DeleteUser", False),
        ({"anything-but": ["AWSService"]}, "IAMUser", True),
        ({"anything-but": ["AWSService"]}, "AWSService", False),
        ({"numeric": [">=", 7]}, 7, True),
        ({"numeric": [">=", 7]}, 6.9, False),
        ({"numeric": [">=", 7]}, "8", False),
        ({"exists": True}, None, False),
    ],
)
def test_local_matcher_operators(condition, value, expected):
    assert patterns.matches({"detail": {"x": [condition]}}, {"detail": {"x": value}}) is expected


def test_detection_never_imports_the_response_package():
    """Rules, alerts and the pipeline stand alone: a deployment without the responder runs none of its code."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "lambda_src" / "cryptoguard"
    detection = [package / "alerts.py", package / "pipeline.py", package / "targets.py", *package.glob("rules/*.py")]
    for path in detection:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n.startswith("cryptoguard.respond") for n in names), f"{path.name} imports {names}"
