"""Records shaped like real CloudTrail (the examples in AWS's CloudTrail and service documentation, and what
real trails showed: global services logging in us-east-1, AWS's own calls in their several shapes), not records
written to pass a rule. Benign ones must stay quiet with us-east-1 outside the allowed regions."""

from __future__ import annotations

import copy

import pytest

from cryptoguard import patterns
from cryptoguard.alerts import aggregate
from cryptoguard.drill import scenarios as sc
from cryptoguard.records import normalise
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.settings import Settings

ACCOUNT = "123456789012"
TOKYO_ONLY = Settings(allowed_regions=("ap-northeast-1",))


def record(name: str, source: str, identity: dict, params: dict | None = None, **fields) -> dict:
    base = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": fields.pop("time", "2024-05-02T10:00:00Z"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": fields.pop("region", "us-east-1"),
        "sourceIPAddress": fields.pop("ip", "198.51.100.7"),
        "userAgent": fields.pop("agent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64"),
        "requestParameters": params,
        "responseElements": fields.pop("response", None),
        "requestID": "9d0f1a2b-0000-4000-8000-000000000001",
        "eventID": fields.pop("event_id", f"evt-{name}"),
        "readOnly": fields.pop("read_only", False),
        "eventType": fields.pop("event_type", "AwsApiCall"),
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    base.update(fields)
    return base


USER = {
    "type": "IAMUser",
    "principalId": "AIDAJ45Q7YFFAREXAMPLE",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/Mateo",
    "accountId": ACCOUNT,
    "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "userName": "Mateo",
}
TERRAFORM = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLEID:terraform",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/terraform-deploy/terraform",
    "accountId": ACCOUNT,
    "accessKeyId": "ASIAEXAMPLEKEY",
    "sessionContext": {
        "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/terraform-deploy"},
        "attributes": {"creationDate": "2024-05-02T09:59:00Z", "mfaAuthenticated": "false"},
    },
}
CONFIG_SERVICE_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLECONFIG:AWSConfig-Describe",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForConfig/AWSConfig-Describe",
    "accountId": ACCOUNT,
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        }
    },
}


def aws_internal_launch(**fields) -> dict:
    """RunInstances as AWS itself makes it for a customer: "AWS Internal" as source and user agent."""
    return record(
        "RunInstances",
        "ec2.amazonaws.com",
        {"type": "AWSService", "invokedBy": "AWS Internal"},
        {"instanceType": "m5.large", "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}},
        ip="AWS Internal",
        agent="AWS Internal",
        **fields,
    )


BENIGN_GLOBAL = [
    # CloudTrail User Guide, "AWS console sign-in events": a successful sign-in, logged in us-east-1.
    record(
        "ConsoleLogin",
        "signin.amazonaws.com",
        USER,
        None,
        agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0",
        response={"ConsoleLogin": "Success"},
        additionalEventData={"LoginTo": "https://console.aws.amazon.com/console/home", "MFAUsed": "Yes"},
        event_type="AwsConsoleSignIn",
    ),
    # A Terraform pipeline creating a role and attaching a policy: IAM logs in us-east-1.
    record(
        "CreateRole",
        "iam.amazonaws.com",
        TERRAFORM,
        {"roleName": "app-task", "assumeRolePolicyDocument": "{...}", "path": "/"},
        agent="APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/6.2.0",
    ),
    record(
        "AttachRolePolicy",
        "iam.amazonaws.com",
        TERRAFORM,
        {"roleName": "app-task", "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
    ),
    # STS through the global endpoint and an Organizations call: global services, us-east-1.
    record(
        "AssumeRole",
        "sts.amazonaws.com",
        TERRAFORM,
        {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/audit", "roleSessionName": "audit"},
    ),
    record("TagResource", "organizations.amazonaws.com", TERRAFORM, {"resourceId": "ou-abcd-12345678", "tags": []}),
    record("CreateInvalidation", "cloudfront.amazonaws.com", TERRAFORM, {"distributionId": "E2EXAMPLE"}),
    # AWS Config's service-linked role doing its own work in us-east-1 (a write, from a service host).
    record(
        "PutEvaluations",
        "config.amazonaws.com",
        CONFIG_SERVICE_ROLE,
        {"resultToken": "x"},
        ip="config.amazonaws.com",
        agent="config.amazonaws.com",
    ),
    # A service testing permissions with DryRun for its customer ("AWS Internal" as source and agent).
    aws_internal_launch(
        errorCode="Client.DryRunOperation", errorMessage="Request would have succeeded, but DryRun flag is set."
    ),
]


def findings_of(records: list[dict], settings: Settings) -> list:
    ctx = Context(settings)
    return [f for r in records for f in evaluate(normalise(r), ctx)]


def test_benign_global_and_service_activity_raises_nothing_high_with_us_east_1_unused():
    loud = [(f.rule.id, f.record.event_name) for f in findings_of(BENIGN_GLOBAL, TOKYO_ONLY)]
    assert loud == []


@pytest.mark.parametrize("scenario", sc.benign_scenarios(), ids=lambda s: s.name)
def test_benign_scenarios_stay_quiet_with_us_east_1_unused(scenario):
    records = [e["detail"] for e in scenario.events() if e["detail-type"] == "AWS API Call via CloudTrail"]
    loud = [
        (f.rule.id, f.record.event_name)
        for f in findings_of(records, TOKYO_ONLY)
        if f.severity >= Severity.HIGH and f.record.region == "us-east-1"
    ]
    assert loud == []


def test_global_services_are_named_once_and_exclude_themselves_from_the_region_pattern():
    sources = patterns.global_event_sources()
    assert {"iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com", "organizations.amazonaws.com"} <= set(
        sources
    )
    pattern = patterns.named("unused_region_activity").pattern
    for source in sources:
        event = normalise(record("Anything", source, USER, {})).to_eventbridge()
        assert not patterns.matches(pattern, event), source
    assert patterns.matches(pattern, normalise(record("RunInstances", "ec2.amazonaws.com", USER, {})).to_eventbridge())


def test_a_failed_write_in_an_unused_region_is_a_low_probe_and_a_working_one_is_high():
    denied = record(
        "CreateVpc",
        "ec2.amazonaws.com",
        USER,
        {"cidrBlock": "10.0.0.0/16"},
        region="sa-east-1",
        errorCode="Client.UnauthorizedOperation",
        errorMessage="You are not authorized to perform this operation.",
    )
    worked = {**record("CreateVpc", "ec2.amazonaws.com", USER, {"cidrBlock": "10.0.0.0/16"}, region="sa-east-1")}
    worked["eventID"] = "evt-worked"
    found = {(f.rule.id, f.severity.name) for f in findings_of([denied, worked], TOKYO_ONLY)}
    assert found == {("CG-REGION-002", "LOW"), ("CG-REGION-001", "HIGH")}


def _asg_run_instances(instance_type: str, group: str, count: int = 1, event_id: str = "evt-asg") -> dict:
    """Auto Scaling's RunInstances as CloudTrail records it: the service-linked role, invokedBy and source the
    service host, the instance type and the group tag in the request (AWS Auto Scaling User Guide examples)."""
    return record(
        "RunInstances",
        "ec2.amazonaws.com",
        copy.deepcopy(sc.AUTOSCALING_ROLE),
        {
            "instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": count, "maxCount": count}]},
            "instanceType": instance_type,
            "launchTemplate": {"launchTemplateId": "lt-0123456789abcdef0", "version": "1"},
            "tagSpecificationSet": {
                "items": [{"resourceType": "instance", "tags": [{"key": "aws:autoscaling:groupName", "value": group}]}]
            },
        },
        region="us-west-2",
        ip="autoscaling.amazonaws.com",
        agent="autoscaling.amazonaws.com",
        response={"instancesSet": {"items": [{"instanceId": "i-0abc", "instanceType": instance_type}]}},
        event_id=event_id,
    )


def test_gpu_instances_launched_by_auto_scaling_are_attributed_to_the_group():
    (finding,) = findings_of([_asg_run_instances("p4d.24xlarge", "SPOT-us-west-2-G3-abc")], TOKYO_ONLY)
    assert finding.rule.id == "CG-LAUNCH-005" and finding.severity == Severity.HIGH
    assert finding.details["group"] == "aws:autoscaling:groupName=SPOT-us-west-2-G3-abc"
    assert finding.details["service"] == "autoscaling.amazonaws.com"
    assert finding.subject == finding.details["group"]


def test_a_burst_of_small_instances_from_one_group_is_a_finding_and_a_small_group_is_not():
    settings = Settings(allowed_regions=("us-west-2",), max_instances_per_window=50)
    fleet = [_asg_run_instances("t3.micro", "OD-us-west-2-G1-x", 10, f"evt-{i}") for i in range(5)]
    found = [f for f in findings_of(fleet, settings) if f.rule.id == "CG-LAUNCH-005"]
    assert [f.details["instances_in_window"] for f in found] == [50]
    small = [_asg_run_instances("t3.micro", "web", 2, f"evt-web-{i}") for i in range(3)]
    assert findings_of(small, settings) == []


def test_a_dry_run_by_a_service_is_not_reconnaissance_and_cannot_start_a_chain():
    dry_run = BENIGN_GLOBAL[-1]
    launch = aws_internal_launch(time="2024-05-02T10:01:00Z", event_id="evt-launch")
    assert findings_of([dry_run, launch], Settings(allowed_regions=("us-east-1",))) == []


def test_the_console_is_a_person_even_though_its_user_agent_is_a_service_host():
    console_launch = record(
        "RunInstances",
        "ec2.amazonaws.com",
        USER,
        {"instanceType": "g5.12xlarge", "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}},
        agent="console.ec2.amazonaws.com",
        region="ap-northeast-1",
    )
    assert not normalise(console_launch).by_aws_service
    assert {f.rule.id for f in findings_of([console_launch], TOKYO_ONLY)} == {"CG-LAUNCH-002"}


# ---- tampering, with request shapes from the CloudTrail and GuardDuty API references ------------------------
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-events"


@pytest.mark.parametrize(
    "name,params,severity",
    [
        ("StopLogging", {"name": TRAIL}, "HIGH"),
        ("DeleteTrail", {"name": TRAIL}, "HIGH"),
        ("UpdateTrail", {"name": TRAIL, "isMultiRegionTrail": False}, "HIGH"),
        (
            "PutEventSelectors",
            {
                "trailName": TRAIL,
                "advancedEventSelectors": [
                    {"fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type"}]}
                ],
            },
            "HIGH",
        ),
        (
            "PutEventSelectors",
            {"trailName": TRAIL, "eventSelectors": [{"readWriteType": "ReadOnly", "includeManagementEvents": True}]},
            "HIGH",
        ),
        ("PutInsightSelectors", {"trailName": TRAIL, "insightSelectors": []}, "MEDIUM"),
    ],
)
def test_trail_changes_that_reduce_coverage(name, params, severity):
    (finding,) = findings_of([record(name, "cloudtrail.amazonaws.com", USER, params)], _us_east())
    assert (finding.rule.id, finding.severity.name) == ("CG-TAMPER-001", severity)


def _us_east() -> Settings:
    return Settings(allowed_regions=("us-east-1",))


def test_trail_changes_that_keep_coverage_are_quiet():
    keeps = [
        record("UpdateTrail", "cloudtrail.amazonaws.com", USER, {"name": TRAIL, "isMultiRegionTrail": True}),
        record(
            "PutEventSelectors",
            "cloudtrail.amazonaws.com",
            USER,
            {"trailName": TRAIL, "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": True}]},
        ),
    ]
    assert findings_of(keeps, _us_east()) == []


def test_guardduty_runtime_monitoring_switched_off_and_archive_filters():
    detector = "12abc34d567e8fa901bc2d34e56789f0"
    calls = [
        record(
            "UpdateDetector",
            "guardduty.amazonaws.com",
            USER,
            {"detectorId": detector, "features": [{"name": "RUNTIME_MONITORING", "status": "DISABLED"}]},
        ),
        record(
            "CreateFilter",
            "guardduty.amazonaws.com",
            USER,
            {"detectorId": detector, "name": "quiet", "action": "ARCHIVE", "findingCriteria": {"criterion": {}}},
            event_id="evt-filter",
        ),
        record(
            "CreateFilter",
            "guardduty.amazonaws.com",
            USER,
            {"detectorId": detector, "name": "noop", "action": "NOOP", "findingCriteria": {"criterion": {}}},
            event_id="evt-noop",
        ),
    ]
    found = [(f.rule.id, f.severity.name, f.record.event_name) for f in findings_of(calls, _us_east())]
    assert found == [("CG-TAMPER-002", "HIGH", "UpdateDetector"), ("CG-TAMPER-002", "MEDIUM", "CreateFilter")]


def test_administrators_may_change_the_project_rules_and_tags_everyone_else_may_not():
    settings = Settings(allowed_regions=("us-east-1",), administrator_principals=("arn:aws:iam::*:role/terraform-*",))
    put_rule = record("PutRule", "events.amazonaws.com", TERRAFORM, {"name": "cryptoguard-ec2-launches"})
    other_rule = record("DisableRule", "events.amazonaws.com", USER, {"name": "someone-elses-rule"}, event_id="e2")
    disable = record("DisableRule", "events.amazonaws.com", USER, {"name": "cryptoguard-ec2-launches"}, event_id="e3")
    tag = {"resourcesSet": {"items": [{"resourceId": "i-1"}]}, "tagSet": {"items": [{"key": "cryptoguard:allow"}]}}
    admin_tag = record("CreateTags", "ec2.amazonaws.com", TERRAFORM, tag, event_id="e4")
    user_tag = record("CreateTags", "ec2.amazonaws.com", USER, tag, event_id="e5")
    found = [
        (f.rule.id, f.record.event_id)
        for f in findings_of([put_rule, other_rule, disable, admin_tag, user_tag], settings)
    ]
    assert found == [("CG-TAMPER-003", "e3"), ("CG-TAMPER-006", "e5")]


def test_the_quarantine_policy_is_critical_even_though_aws_attached_it():
    quarantine = record(
        "AttachUserPolicy",
        "iam.amazonaws.com",
        {"type": "AWSService", "invokedBy": "AWS Internal"},
        {"userName": "Mateo", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2"},
        ip="AWS Internal",
        agent="AWS Internal",
    )
    (finding,) = findings_of([quarantine], TOKYO_ONLY)
    assert (finding.rule.id, finding.severity, finding.details["user"]) == ("CG-KEY-001", Severity.CRITICAL, "Mateo")


# ---- chains name their steps ----------------------------------------------------------------------------------
def _recon_chain_events() -> list[dict]:
    dry = record(
        "RunInstances",
        "ec2.amazonaws.com",
        USER,
        {"instanceType": "p3.2xlarge", "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}},
        errorCode="Client.DryRunOperation",
        event_id="evt-dry",
        time="2024-05-02T10:00:00Z",
    )
    quota = record(
        "GetServiceQuota",
        "servicequotas.amazonaws.com",
        USER,
        {"serviceCode": "ec2", "quotaCode": "L-DB2E81BA"},
        read_only=True,
        event_id="evt-quota",
        time="2024-05-02T10:00:30Z",
    )
    launch = record(
        "RunInstances",
        "ec2.amazonaws.com",
        USER,
        {"instanceType": "m5.large", "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}},
        event_id="evt-launch",
        time="2024-05-02T10:05:00Z",
    )
    return [dry, quota, launch]


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_a_chain_carries_every_step_and_arrival_order_does_not_change_it(order):
    events = _recon_chain_events()
    chains = [f for f in findings_of([events[i] for i in order], _us_east()) if f.rule.id == "CG-CHAIN-001"]
    assert chains, "no chain"
    assert set(chains[-1].event_ids) == {"evt-dry", "evt-quota", "evt-launch"}
    alert = next(a for a in aggregate(chains) if a.rule_id == "CG-CHAIN-001")
    assert {"evt-dry", "evt-quota", "evt-launch"} <= set(alert.event_ids)


def test_the_new_user_chain_names_its_steps():
    calls = [
        record("CreateUser", "iam.amazonaws.com", USER, {"userName": "backup"}, event_id="u1"),
        record("CreateAccessKey", "iam.amazonaws.com", USER, {"userName": "backup"}, event_id="u2"),
    ]
    (finding,) = [f for f in findings_of(calls, _us_east()) if f.rule.id == "CG-IAM-001"]
    assert finding.event_ids == ["u2", "u1"]


SPOT_FLEET_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLESPOT:spotfleet",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/aws-ec2-spot-fleet-tagging-role/spotfleet",
    "accountId": ACCOUNT,
    "invokedBy": "spotfleet.amazonaws.com",
    "sessionContext": {
        "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-ec2-spot-fleet-tagging-role"}
    },
}


@pytest.mark.parametrize("signal", ["both", "invokedBy only", "source only"])
def test_a_spot_fleet_launch_through_an_ordinary_role_is_the_service_acting(signal):
    """Spot Fleet launches with the customer's tagging role, not a service-linked one: the service shows only
    in invokedBy and the source address. Either alone is enough."""
    identity = copy.deepcopy(SPOT_FLEET_ROLE)
    ip = "spotfleet.amazonaws.com"
    if signal == "invokedBy only":
        ip = "198.51.100.7"
    elif signal == "source only":
        del identity["invokedBy"]
    launch = record(
        "RunInstances",
        "ec2.amazonaws.com",
        identity,
        {
            "instanceType": "g5.48xlarge",
            "instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]},
            "tagSpecificationSet": {
                "items": [
                    {"resourceType": "instance", "tags": [{"key": "aws:ec2spot:fleet-request-id", "value": "sfr-1"}]}
                ]
            },
        },
        ip=ip,
        agent="spotfleet.amazonaws.com",
    )
    (finding,) = findings_of([launch], _us_east())
    assert finding.rule.id == "CG-LAUNCH-005"
    assert finding.details["group"] == "aws:ec2spot:fleet-request-id=sfr-1"
