"""The responder against moto: the Nov-2025 persistence step ends with the instances stopped in enforce mode and
untouched in dry_run and off; allow-listed resources are never touched; every action family works; a second
run changes nothing more."""

from __future__ import annotations

import json

import boto3
import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.drill.local import lambda_zip
from cryptoguard.pipeline import process
from cryptoguard.respond.actions import Responder, ResponseSettings, wanted
from cryptoguard.rules import Context
from cryptoguard.settings import Settings

pytestmark = pytest.mark.emulators
REGION = "us-east-1"


def client(service: str, _account: str, region: str):
    return boto3.client(service, region_name=region or REGION)


def respond(alert: dict, mode: str, **kw):
    settings = ResponseSettings(mode=mode, **kw)
    return Responder(settings, client).respond(wanted(alert, settings))


def alert_for(events: list[dict], rule_id: str) -> dict:
    sent = []
    process(
        [{"messageId": str(i), "body": json.dumps(e)} for i, e in enumerate(events)],
        Context(Settings(allowed_regions=sc.ALLOWED_REGIONS)),
        sent.append,
    )
    return next(a.to_dict() for a in sent if a.rule_id == rule_id)


def launch(count: int, tags: list[dict] | None = None) -> list[str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    spec = [{"ResourceType": "instance", "Tags": tags}] if tags else []
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(
            ImageId=image, MinCount=count, MaxCount=count, InstanceType="c5.4xlarge", TagSpecifications=spec
        )["Instances"]
    ]
    for instance in ids:
        ec2.modify_instance_attribute(InstanceId=instance, DisableApiTermination={"Value": True})
    return ids


def persistence_alert(instances: list[str]) -> dict:
    """Seed 002's step: the stolen key turns on termination protection for every instance it launched."""
    clock = sc.Clock("2025-11-02T10:20:00Z")
    events = [
        sc.eventbridge(
            sc.cloudtrail(
                clock,
                "ModifyInstanceAttribute",
                "ec2",
                {"instanceId": i, "disableApiTermination": {"value": True}},
                region=REGION,
                identity={**sc.STOLEN_USER, "accessKeyId": "ASIATEMP"},
            )
        )
        for i in instances
    ]
    return alert_for(events, "CG-PERSIST-001")


def state(instance: str) -> tuple[str, bool]:
    ec2 = boto3.client("ec2", region_name=REGION)
    name = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]["Name"]
    protected = ec2.describe_instance_attribute(InstanceId=instance, Attribute="disableApiTermination")
    return name, protected["DisableApiTermination"]["Value"]


def test_enforce_stops_the_protected_instances_and_a_second_run_is_a_no_op(aws):
    instances = launch(5)
    alert = persistence_alert(instances)
    assert {t["id"] for t in alert["targets"]} == set(instances)
    outcomes = respond(alert, "enforce")
    assert [o.status for o in outcomes] == ["done"] * 5
    assert all(state(i) == ("stopped", False) for i in instances)
    tags = boto3.client("ec2", region_name=REGION).describe_tags(
        Filters=[{"Name": "key", "Values": ["cryptoguard:quarantined"]}]
    )["Tags"]
    assert {t["ResourceId"] for t in tags} == set(instances)
    assert {o.status for o in respond(alert, "enforce")} == {"unchanged"}


@pytest.mark.parametrize("mode", ["dry_run", "off"])
def test_dry_run_and_off_leave_the_instances_alone(aws, mode):
    instances = launch(3)
    outcomes = respond(persistence_alert(instances), mode, min_severity="MEDIUM")
    assert [o.status for o in outcomes] == (["planned"] * 3 if mode == "dry_run" else [])
    if mode == "dry_run":
        assert "clear termination protection; stop (was running)" in outcomes[0].detail
    assert all(state(i) == ("running", True) for i in instances)


def test_allowlisted_resources_are_never_touched(aws):
    allowed = launch(1, [{"Key": "cryptoguard:allow", "Value": "true"}])
    flagged = launch(1)
    outcomes = {
        o.target.id: o.status for o in respond(persistence_alert(allowed + flagged), "enforce", min_severity="MEDIUM")
    }
    assert outcomes == {allowed[0]: "allowlisted", flagged[0]: "done"}
    assert state(allowed[0]) == ("running", True)


def test_below_the_severity_threshold_nothing_is_done(aws):
    instances = launch(1)
    alert = persistence_alert(instances)  # one instance: MEDIUM, not a burst
    assert alert["severity"] == "MEDIUM"
    assert respond(alert, "enforce") == []
    assert respond(alert, "enforce", min_severity="MEDIUM")[0].status == "done"


def test_auto_scaling_group_is_suspended_and_emptied(aws):
    asg = boto3.client("autoscaling", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName="lt-g1", LaunchTemplateData={"ImageId": image, "InstanceType": "c5.large"}
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="OD-us-east-1-G1-c3d4",
        MinSize=2,
        MaxSize=999,
        DesiredCapacity=2,
        LaunchTemplate={"LaunchTemplateName": "lt-g1"},
        AvailabilityZones=["us-east-1a"],
    )
    alert = {
        "severity": "HIGH",
        "principal": "arn:aws:iam::123456789012:user/ci-deploy",
        "targets": [{"kind": "auto_scaling_group", "id": "OD-us-east-1-G1-c3d4", "account": "", "region": REGION}],
    }
    assert respond(alert, "enforce")[0].status == "done"
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["OD-us-east-1-G1-c3d4"])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["DesiredCapacity"]) == (0, 0)
    assert "Launch" in {p["ProcessName"] for p in group["SuspendedProcesses"]}
    assert respond(alert, "enforce")[0].status == "unchanged"


def test_ecs_service_is_scaled_to_zero(aws):
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName="secret-0")
    ecs.register_task_definition(
        family="secret-user",
        containerDefinitions=[{"name": "secret", "image": "yenik65958/secret:user", "cpu": 16384, "memory": 32768}],
    )
    ecs.create_service(cluster="secret-0", serviceName="secret", taskDefinition="secret-user", desiredCount=10)
    alert = {
        "severity": "CRITICAL",
        "principal": "x",
        "targets": [{"kind": "ecs_service", "id": "secret-0/secret", "account": "", "region": REGION}],
    }
    assert respond(alert, "enforce")[0].status == "done"
    assert ecs.describe_services(cluster="secret-0", services=["secret"])["services"][0]["desiredCount"] == 0
    assert respond(alert, "enforce")[0].status == "unchanged"


def test_public_function_url_is_deleted(aws):
    iam, lam = boto3.client("iam"), boto3.client("lambda", region_name=REGION)
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(
        FunctionName="backup-sync", Runtime="python3.13", Role=role, Handler="x.handler", Code={"ZipFile": lambda_zip()}
    )
    lam.create_function_url_config(FunctionName="backup-sync", AuthType="NONE")
    alert = {
        "severity": "HIGH",
        "principal": "x",
        "targets": [{"kind": "function_url", "id": "backup-sync", "account": "", "region": REGION}],
    }
    assert respond(alert, "enforce")[0].status == "done"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="backup-sync")
    assert respond(alert, "enforce")[0].status == "unchanged"


def test_access_keys_are_deactivated_never_deleted(aws):
    iam = boto3.client("iam")
    iam.create_user(UserName="user-x1x2x3x4")
    key = iam.create_access_key(UserName="user-x1x2x3x4")["AccessKey"]["AccessKeyId"]
    clock = sc.Clock("2025-11-02T10:40:00Z")
    create = sc.cloudtrail(
        clock,
        "CreateAccessKey",
        "iam",
        {"userName": "user-x1x2x3x4"},
        region=REGION,
        identity=sc.ADMIN_ROLE,
        response={"accessKey": {"userName": "user-x1x2x3x4", "accessKeyId": key, "status": "Active"}},
    )
    user = sc.eventbridge(
        sc.cloudtrail(clock, "CreateUser", "iam", {"userName": "user-x1x2x3x4"}, region=REGION, identity=sc.ADMIN_ROLE)
    )
    alert = alert_for([user, sc.eventbridge(create)], "CG-IAM-001")
    outcomes = respond(alert, "enforce", min_severity="MEDIUM")
    assert [o.status for o in outcomes] == ["done"]
    keys = iam.list_access_keys(UserName="user-x1x2x3x4")["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(key, "Inactive")]
    assert respond(alert, "enforce", min_severity="MEDIUM")[0].status == "unchanged"


def test_settings_are_checked():
    with pytest.raises(ValueError, match="response mode must be one of off, dry_run, enforce"):
        ResponseSettings(mode="on")


def test_the_whole_chain_detection_bus_rule_responder(aws, unique, monkeypatch):
    """Detection handler -> alert on the central bus -> the alerts rule -> responder handler -> instances stopped."""
    from cryptoguard import patterns
    from cryptoguard.handlers import detect
    from cryptoguard.handlers import respond as respond_handler

    events, sqs, sns = (boto3.client(s, region_name=REGION) for s in ("events", "sqs", "sns"))
    bus = events.create_event_bus(Name=f"central-{unique}")["EventBusArn"].rsplit("/", 1)[-1]
    queue = sqs.create_queue(QueueName=f"responder-{unique}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name=f"respond-{unique}", EventBusName=bus, EventPattern=json.dumps(patterns.infrastructure()["alerts"])
    )
    events.put_targets(Rule=f"respond-{unique}", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    topic = sns.create_topic(Name=f"alerts-{unique}")["TopicArn"]
    for key, value in {
        "TOPIC_ARN": topic,
        "ALERT_EVENT_BUS": bus,
        "CRYPTOGUARD_SETTINGS": json.dumps({"allowed_regions": list(sc.ALLOWED_REGIONS)}),
        "RESPONSE_SETTINGS": json.dumps({"mode": "enforce"}),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("STATE_TABLE", raising=False)
    monkeypatch.delenv("DEAD_LETTER_QUEUE_URL", raising=False)
    monkeypatch.setattr(detect, "_CONTEXT", None)

    instances = launch(5)
    clock = sc.Clock("2025-11-02T10:20:00Z")
    records = [
        sc.eventbridge(
            sc.cloudtrail(
                clock,
                "ModifyInstanceAttribute",
                "ec2",
                {"instanceId": i, "disableApiTermination": {"value": True}},
                region=REGION,
                identity={**sc.STOLEN_USER, "accessKeyId": "ASIATEMP"},
            )
        )
        for i in instances
    ]
    detect.handler({"Records": [{"messageId": str(n), "body": json.dumps(r)} for n, r in enumerate(records)]})

    delivered = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5, MaxNumberOfMessages=10).get("Messages", [])
    alerts = [json.loads(m["Body"]) for m in delivered]
    assert [a["detail"]["severity"] for a in alerts] == ["HIGH"]  # the MEDIUM alert does not reach the responder
    # The alert is about the scenario's member account: the responder acts there through that account's session
    # (the member role in production), here the emulator's one account stands in for it.
    assert {t["account"] for t in alerts[0]["detail"]["targets"]} == {sc.ACCOUNT}
    used: list[str] = []
    monkeypatch.setattr(respond_handler, "_session", lambda account: used.append(account) or boto3.Session())
    report = respond_handler.handler(alerts[0])
    assert [o["status"] for o in report["outcomes"]] == ["done"] * 5
    assert all(state(i) == ("stopped", False) for i in instances)
    assert set(used) == {sc.ACCOUNT}


def _alert_event(account: str, targets: list[dict], about: str | None = None) -> dict:
    from cryptoguard import patterns

    pattern = patterns.infrastructure()["alerts"]
    return {
        "source": pattern["source"][0],
        "detail-type": pattern["detail-type"][0],
        "account": account,
        "detail": {
            "rule_id": "CG-PERSIST-001",
            "severity": "HIGH",
            "account": about or (targets[0]["account"] if targets else account),
            "principal": "arn:aws:iam::111122223333:user/x",
            "incident": "i",
            "targets": targets,
        },
    }


def test_a_forged_alert_from_a_member_account_changes_nothing(aws, monkeypatch):
    """An attacker in a member account puts a perfect-looking alert about the security account's instance on a
    bus: its event carries the member account, so the responder rejects it before any AWS call."""
    from cryptoguard.handlers import respond as respond_handler

    monkeypatch.setenv("RESPONSE_SETTINGS", json.dumps({"mode": "enforce"}))
    own = respond_handler._own_account()
    (instance,) = launch(1)
    forged = _alert_event("999988887777", [{"kind": "instance", "id": instance, "account": own, "region": REGION}])
    report = respond_handler.handler(forged)
    assert "999988887777" in report["rejected"]
    assert state(instance) == ("running", True)


def test_an_alert_about_another_account_never_acts_on_a_same_named_resource_here(aws, monkeypatch):
    """Without a member role, an alert about account X is reported as not acted on; the instance of the same
    id in the responder's own account is untouched."""
    from cryptoguard.handlers import respond as respond_handler

    monkeypatch.setenv("RESPONSE_SETTINGS", json.dumps({"mode": "enforce"}))
    monkeypatch.delenv("MEMBER_ROLE_NAME", raising=False)
    respond_handler._session.cache_clear()
    own = respond_handler._own_account()
    (instance,) = launch(1)
    event = _alert_event(own, [{"kind": "instance", "id": instance, "account": "111122223333", "region": REGION}])
    report = respond_handler.handler(event)
    assert [o["status"] for o in report["outcomes"]] == ["failed"]
    assert "no MEMBER_ROLE_NAME to act in account 111122223333" in report["outcomes"][0]["detail"]
    assert state(instance) == ("running", True)


def test_member_accounts_are_reached_through_their_role_with_renewing_credentials(aws, monkeypatch):
    from cryptoguard.handlers import respond as respond_handler

    monkeypatch.setenv("MEMBER_ROLE_NAME", "cryptoguard-responder")
    respond_handler._session.cache_clear()
    session = respond_handler._session("111122223333")
    credentials = session._session.get_credentials()
    assert credentials.method == "sts-assume-role" and hasattr(credentials, "refresh_needed")
    assert session.client("sts", region_name=REGION).get_caller_identity()["Arn"].startswith("arn:aws:sts::")
    respond_handler._session.cache_clear()


def test_a_vanished_resource_is_reported_gone_not_failed(aws):
    gone = {"kind": "instance", "id": "i-0123456789abcdef0", "account": sc.ACCOUNT, "region": REGION}
    outcomes = respond({"severity": "HIGH", "targets": [gone]}, "enforce")
    assert [o.status for o in outcomes] == ["gone"]
