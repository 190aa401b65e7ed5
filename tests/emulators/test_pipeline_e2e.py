"""The seed scenarios through the deployed shape of the pipeline on the emulators: regional EventBridge rules
from patterns.json -> central bus -> SQS -> LocalStack's event source mapping -> the packaged function
(invoked by LocalStack) -> SNS, read back through an SQS subscription and the function's CloudWatch Logs.
User data is redacted in the records: the function reads it back from the emulated member account."""

from __future__ import annotations

import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.drill.local import LocalPipeline

pytestmark = pytest.mark.emulators
REGIONS = sorted({e["region"] for s in sc.all_scenarios() for e in s.events()})


@pytest.fixture
def pipeline(aws, settings):
    p = LocalPipeline(aws, settings, regions=REGIONS)
    p.install()
    return p


@pytest.mark.parametrize("scenario", sc.attack_scenarios(), ids=lambda s: s.name)
def test_every_attack_step_is_alerted_through_sns(pipeline, scenario):
    alerted: set[str] = set()
    for step in scenario.steps:
        delivery = pipeline.run(step.events, scenario.hidden_user_data())
        assert delivery.events_delivered == len(step.events), step.name
        alerted |= {a["rule_id"] for a in delivery.alerts}
        detected = {f["rule_id"] for f in delivery.findings}
        assert set(step.expect) <= detected, f"{step.name}: detected {sorted(detected)}"
        assert set(step.expect) <= alerted, f"{step.name}: alerted {sorted(alerted)}"


@pytest.mark.parametrize("scenario", sc.benign_scenarios(), ids=lambda s: s.name)
def test_benign_scenarios_send_nothing_high(pipeline, scenario):
    loud = [
        (a["rule_id"], a["severity"])
        for step in scenario.steps
        for a in pipeline.run(step.events, scenario.hidden_user_data()).alerts
        if a["severity"] in ("HIGH", "CRITICAL")
    ]
    assert loud == []


def test_a_flood_of_launches_is_one_alert(pipeline):
    """60 launches reach the function in whatever batches the event source mapping makes of them: every one is
    a finding, and together they are one incident, alerted once (the next alert comes at RENOTIFY_AT[0])."""
    clock = sc.Clock("2025-01-01T00:00:00Z", step_seconds=1)
    events = [sc._run_instances(clock, "sa-east-1", sc.STOLEN_USER, 1, "p3.2xlarge") for _ in range(60)]
    delivery = pipeline.run(events, timeout=60)
    found = {f["event_id"] for f in delivery.findings if f["rule_id"] == "CG-REGION-001"}
    assert found == {e["detail"]["eventID"] for e in events}
    region_alerts = [a for a in delivery.alerts if a["rule_id"] == "CG-REGION-001"]
    assert len(region_alerts) == 1 and region_alerts[0]["subject"].startswith("[HIGH]")


def test_the_lambda_package_is_created_with_its_handler(pipeline):
    config = pipeline.function_config
    assert config["Handler"] == "cryptoguard.handlers.detect.handler" and config["Runtime"] == "python3.13"
    assert config["CodeSize"] < 200_000  # small package, fast cold start: no dependencies beyond boto3
