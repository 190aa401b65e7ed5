"""Rule behaviour that the scenarios do not pin down: thresholds come from settings, allow-lists silence,
severities escalate, and one record reads the same whatever it arrived in."""

from __future__ import annotations

import dataclasses

import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.records import MalformedEvent, normalise
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.settings import Settings


def _ids(events, settings):
    ctx = Context(settings)
    return [(f.rule.id, f.severity) for e in events for f in evaluate(normalise(e), ctx)]


def _run(region="us-east-1", count=1, itype="m5.large", identity=sc.STOLEN_USER, **kw):
    return sc._run_instances(sc.Clock("2025-01-01T00:00:00Z"), region, identity, count, itype, **kw)


def test_cloudtrail_file_record_and_eventbridge_event_normalise_alike():
    event = _run(count=3)
    assert normalise(event) == normalise(event["detail"])


def test_large_launch_threshold_comes_from_settings(settings):
    event = _run(count=12)
    assert ("CG-LAUNCH-001", Severity.HIGH) not in _ids([event], settings)
    lowered = dataclasses.replace(settings, max_instances_per_call=10)
    assert ("CG-LAUNCH-001", Severity.HIGH) in _ids([event], lowered)


@pytest.mark.parametrize(
    "itype,accelerated",
    [
        ("p3.16xlarge", True),
        ("g4dn.xlarge", True),
        ("inf2.xlarge", True),
        ("trn1.32xlarge", True),
        ("dl1.24xlarge", True),
        ("m5.large", False),
        ("c7g.large", False),
        ("r5.4xlarge", False),
    ],
)
def test_accelerated_families(settings, itype, accelerated):
    found = {r for r, _ in _ids([_run(itype=itype)], settings)}
    assert ("CG-LAUNCH-002" in found) is accelerated


def test_allowed_instance_family_is_not_reported(settings):
    allowed = dataclasses.replace(settings, allowed_instance_families=("g5",))
    assert "CG-LAUNCH-002" not in {r for r, _ in _ids([_run(itype="g5.xlarge")], allowed)}
    assert "CG-LAUNCH-002" in {r for r, _ in _ids([_run(itype="g4dn.xlarge")], allowed)}


def test_allowlisted_principal_raises_nothing(settings):
    event = _run(region="sa-east-1", count=500, itype="p3.16xlarge", user_data=sc.SEED_004_MESON)
    assert _ids([event], settings)
    quiet = dataclasses.replace(settings, allowlisted_principals=("arn:aws:iam::*:user/ci-deploy",))
    assert _ids([event], quiet) == []


def test_allowlist_matches_the_session_issuer_of_a_role(settings):
    event = _run(region="sa-east-1", identity=sc.PIPELINE_ROLE)
    quiet = dataclasses.replace(settings, allowlisted_principals=("arn:aws:iam::*:role/github-deploy",))
    assert _ids([event], settings) and _ids([event], quiet) == []


def test_no_allowed_regions_means_no_region_rule():
    assert "CG-REGION-001" not in {r for r, _ in _ids([_run(region="sa-east-1")], Settings())}


def test_read_only_calls_in_unused_regions_are_not_write_activity(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    describe = sc.eventbridge(
        sc.cloudtrail(clock, "DescribeInstances", "ec2", region="sa-east-1", identity=sc.STOLEN_USER, read_only=True)
    )
    assert _ids([describe], settings) == []


def test_aws_service_activity_in_unused_regions_is_ignored(settings):
    event = _run(region="sa-east-1", identity=sc.AUTOSCALING_ROLE, count=2)
    assert _ids([event], settings) == []


def test_termination_protection_escalates_with_a_burst(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    events = [
        sc.eventbridge(
            sc.cloudtrail(
                clock,
                "ModifyInstanceAttribute",
                "ec2",
                {"instanceId": f"i-{i}", "disableApiTermination": {"value": True}},
                region="us-east-1",
                identity=sc.STOLEN_USER,
            )
        )
        for i in range(5)
    ]
    severities = [s for r, s in _ids(events, settings) if r == "CG-PERSIST-001"]
    assert severities[:4] == [Severity.MEDIUM] * 4 and severities[4] == Severity.HIGH


def test_turning_termination_protection_off_is_not_reported(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    off = sc.eventbridge(
        sc.cloudtrail(
            clock,
            "ModifyInstanceAttribute",
            "ec2",
            {"instanceId": "i-1", "disableApiTermination": {"value": False}},
            region="us-east-1",
            identity=sc.STOLEN_USER,
        )
    )
    assert _ids([off], settings) == []


def test_new_user_with_key_only_is_medium(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")

    def iam(name):
        return sc.eventbridge(
            sc.cloudtrail(clock, name, "iam", {"userName": "svc"}, region="us-east-1", identity=sc.ADMIN_ROLE)
        )

    found = _ids([iam("CreateUser"), iam("CreateAccessKey")], settings)
    assert found == [("CG-IAM-001", Severity.MEDIUM)]


def test_access_key_for_an_old_user_is_not_reported(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    key = sc.eventbridge(
        sc.cloudtrail(clock, "CreateAccessKey", "iam", {"userName": "old"}, region="us-east-1", identity=sc.ADMIN_ROLE)
    )
    assert _ids([key], settings) == []


def test_untrusted_registry_only_when_trusted_registries_are_set(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    task = sc.eventbridge(
        sc.cloudtrail(
            clock,
            "RegisterTaskDefinition",
            "ecs",
            {"family": "x", "cpu": "256", "containerDefinitions": [{"name": "x", "image": "docker.io/someone/tool:1"}]},
            region="us-east-1",
            identity=sc.PIPELINE_ROLE,
        )
    )
    assert _ids([task], settings) == []
    trusted = dataclasses.replace(settings, trusted_registries=(f"{sc.ACCOUNT}.dkr.ecr.",))
    assert _ids([task], trusted) == [("CG-ECS-003", Severity.MEDIUM)]


def test_guardduty_severity_threshold(settings):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    finding = sc.guardduty_finding(clock, "UnauthorizedAccess:IAMUser/MaliciousIPCaller", 7.5, "us-east-1", "x")
    assert _ids([finding], settings) == [("CG-GD-002", Severity.HIGH)]
    assert _ids([finding], dataclasses.replace(settings, guardduty_severity_threshold=8.0)) == []


def test_user_data_redacted_by_cloudtrail_is_not_an_indicator(settings):
    event = _run()
    event["detail"]["requestParameters"]["userData"] = "<sensitiveDataRemoved>"
    assert _ids([event], settings) == []


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        "x",
        {"detail-type": "Something Else", "detail": {}},
        {"detail-type": "AWS API Call via CloudTrail", "detail": "nope"},
        {"eventName": "RunInstances"},
        {"eventName": "RunInstances", "eventSource": "ec2.amazonaws.com", "eventTime": "yesterday"},
    ],
)
def test_malformed_inputs_raise_a_clear_error(bad):
    with pytest.raises(MalformedEvent):
        normalise(bad)


def test_settings_reject_unknown_names():
    with pytest.raises(ValueError, match="unknown settings: max_asg"):
        Settings.from_mapping({"max_asg": 5})
