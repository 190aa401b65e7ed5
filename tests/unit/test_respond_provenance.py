"""The responder's checks before acting: where an alert event came from and whether it is well formed, and a
report subject that says what happened."""

from __future__ import annotations

import copy

import pytest

from cryptoguard import patterns
from cryptoguard.handlers.respond import subject
from cryptoguard.provenance import provenance_problem
from cryptoguard.respond.actions import Outcome
from cryptoguard.targets import Target

OWN = "222222222222"
MEMBER = "111122223333"
PATTERN = patterns.infrastructure()["alerts"]
GOOD = {
    "source": PATTERN["source"][0],
    "detail-type": PATTERN["detail-type"][0],
    "account": OWN,
    "detail": {
        "rule_id": "CG-ASG-001",
        "severity": "HIGH",
        "account": MEMBER,
        "targets": [
            {"kind": "auto_scaling_group", "id": "SPOT-us-east-1-G5", "account": MEMBER, "region": "us-east-1"}
        ],
    },
}


def with_(path: str, value) -> dict:
    event = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = event
    for p in parents:
        node = node[p] if not p.isdigit() else node[int(p)]
    node[int(last) if last.isdigit() else last] = value
    return event


def test_a_real_alert_passes():
    assert provenance_problem(GOOD, OWN) is None


@pytest.mark.parametrize(
    "event,reason",
    [
        (with_("source", "com.attacker"), "not a Cryptoguard Alert"),
        (with_("detail-type", "Totally An Alert"), "not a Cryptoguard Alert"),
        (with_("account", MEMBER), f"put on the bus by account '{MEMBER}'"),
        (with_("detail", "stop everything"), "not a JSON object"),
        (with_("detail.severity", "URGENT"), "no valid severity"),
        (with_("detail.account", ""), "names no account"),
        (with_("detail.targets", {"kind": "instance"}), "not a list"),
        (with_("detail.targets.0.account", OWN), "not the alert's"),
        (with_("detail.targets.0.kind", "vpc"), "malformed target"),
        (with_("detail.targets.0.id", 7), "malformed target"),
        (with_("detail.targets.0", {"kind": "instance", "id": "i-1"}), "malformed target"),
        ("not even a dict", "not a JSON object"),
    ],
)
def test_forged_or_malformed_alerts_are_rejected_with_a_reason(event, reason):
    problem = provenance_problem(event, OWN)
    assert problem is not None and reason in problem


def test_the_subject_counts_what_happened():
    target = Target("instance", "i-1", MEMBER, "us-east-1")
    outcomes = [Outcome(target, "stop", "done"), Outcome(target, "stop", "failed"), Outcome(target, "stop", "failed")]
    assert subject("CG-ASG-001", outcomes, "enforce") == "[RESPONSE] CG-ASG-001: 2 failed, 1 done"
    assert (
        subject("CG-ASG-001", [Outcome(target, "stop", "planned")], "dry_run")
        == "[RESPONSE DRY RUN] CG-ASG-001: 1 planned"
    )
    assert subject("CG-ASG-001", [Outcome(target, "stop", "gone")], "enforce") == "[RESPONSE] CG-ASG-001: 1 gone"
