"""User data that CloudTrail redacted, read back on moto: instances and launch templates whose user data carries
a miner, behind records shaped like real CloudTrail (`<sensitiveDataRemoved>`), raise the payload rule once
enriched, and never without. Missing roles, budgets and the cache are exercised with the real client code."""

from __future__ import annotations

import base64
import logging

import boto3
import pytest

from cryptoguard.drill import scenarios as sc
from cryptoguard.enrich import REDACTED, RoleUnavailable, UserDataEnricher, member_clients
from cryptoguard.records import normalise
from cryptoguard.rules import Context, evaluate
from cryptoguard.sessions import assumed

MEMBER = "111122223333"
REGION = "us-east-1"


def _record(name: str, account: str, params: dict, response: dict | None, event_id: str = "evt-1") -> dict:
    return {
        "eventVersion": "1.09",
        "userIdentity": {**sc.STOLEN_USER, "accountId": account},
        "eventTime": "2025-11-02T10:10:00Z",
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": sc.ATTACKER_IP,
        "userAgent": sc.BOTO3_UA,
        "requestParameters": params,
        "responseElements": response,
        "eventID": event_id,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
    }


def _run_instances_record(account: str, instance_id: str, event_id: str = "evt-1") -> dict:
    params = {
        "instancesSet": {"items": [{"imageId": "ami-12c6146b", "minCount": 1, "maxCount": 1}]},
        "instanceType": "c5.large",
        "userData": REDACTED,
    }
    response = {"instancesSet": {"items": [{"instanceId": instance_id, "instanceType": "c5.large"}]}}
    return _record("RunInstances", account, params, response, event_id)


def _payload_findings(record: dict, enrich=None) -> list[str]:
    r = normalise(record)
    return [f.rule.id for f in evaluate(enrich(r) if enrich else r, Context()) if f.rule.id == "CG-PAYLOAD-001"]


def _launch(ec2, user_data: str) -> str:
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="c5.large", UserData=user_data)[
        "Instances"
    ][0]["InstanceId"]


def test_a_redacted_run_instances_raises_the_payload_rule_through_enrichment(aws_in_process):
    ec2 = boto3.client("ec2", region_name=REGION)
    own = boto3.client("sts").get_caller_identity()["Account"]
    record = _run_instances_record(own, _launch(ec2, sc.SEED_002_MINER))
    assert _payload_findings(record) == []  # as CloudTrail wrote it: nothing to see
    assert _payload_findings(record, UserDataEnricher(member_clients("cryptoguard-enrichment"))) == ["CG-PAYLOAD-001"]


def test_a_member_account_is_read_through_its_role(aws_in_process):
    member = assumed(f"arn:aws:iam::{MEMBER}:role/cryptoguard-enrichment", "test-setup")
    instance = _launch(member.client("ec2", region_name=REGION), sc.SEED_004_MESON)
    enricher = UserDataEnricher(member_clients("cryptoguard-enrichment"))
    assert _payload_findings(_run_instances_record(MEMBER, instance), enricher) == ["CG-PAYLOAD-001"]


def test_a_redacted_launch_template_is_read_back(aws_in_process):
    ec2 = boto3.client("ec2", region_name=REGION)
    own = boto3.client("sts").get_caller_identity()["Account"]
    data = base64.b64encode(sc.SEED_002_MINER.encode()).decode()
    template = ec2.create_launch_template(
        LaunchTemplateName="gpu", LaunchTemplateData={"InstanceType": "g4dn.xlarge", "UserData": data}
    )["LaunchTemplate"]
    params = {
        "CreateLaunchTemplateRequest": {
            "LaunchTemplateName": "gpu",
            "LaunchTemplateData": {"InstanceType": "g4dn.xlarge", "UserData": REDACTED},
        }
    }
    response = {
        "CreateLaunchTemplateResponse": {
            "launchTemplate": {"launchTemplateId": template["LaunchTemplateId"], "latestVersionNumber": 1}
        }
    }
    record = _record("CreateLaunchTemplate", own, params, response)
    enricher = UserDataEnricher(member_clients("cryptoguard-enrichment"))
    assert _payload_findings(record, enricher) == ["CG-PAYLOAD-001"]


def test_benign_user_data_stays_benign(aws_in_process):
    ec2 = boto3.client("ec2", region_name=REGION)
    own = boto3.client("sts").get_caller_identity()["Account"]
    record = _run_instances_record(own, _launch(ec2, sc.BENIGN_USER_DATA))
    assert _payload_findings(record, UserDataEnricher(member_clients("cryptoguard-enrichment"))) == []


def test_a_missing_role_is_reported_once_per_account_and_costs_nothing_after(caplog):
    calls = []

    def clients(service, account, region):
        calls.append(account)
        raise RoleUnavailable(f"cannot assume cryptoguard-enrichment in {account}")

    enricher = UserDataEnricher(clients)
    with caplog.at_level(logging.WARNING, logger="cryptoguard"):
        for i in range(5):
            record = normalise(_run_instances_record(MEMBER, f"i-{i:017x}", f"evt-{i}"))
            assert enricher(record) is record
    assert calls == [MEMBER] and enricher.missing_accounts == {MEMBER}
    assert sum("enrichment unavailable" in r.getMessage() for r in caplog.records) == 1


def test_fetches_are_cached_and_bounded():
    fetched = []

    class FakeEc2:
        def describe_instance_attribute(self, InstanceId, Attribute):  # noqa: N803 - boto3's names
            fetched.append(InstanceId)
            return {"UserData": {"Value": base64.b64encode(b"xmrig --url stratum+tcp://pool:3333").decode()}}

    enricher = UserDataEnricher(lambda service, account, region: FakeEc2(), max_fetches=2)
    same = [normalise(_run_instances_record(MEMBER, "i-0000000000000000a", f"evt-{i}")) for i in range(3)]
    others = [normalise(_run_instances_record(MEMBER, f"i-00000000000000{i:03d}", f"o-{i}")) for i in range(3)]
    enriched = [enricher(r) for r in same + others]
    assert fetched == ["i-0000000000000000a", "i-00000000000000000"]  # one fetch per instance, two in budget
    assert [REDACTED in str(r.request) for r in enriched] == [False, False, False, False, True, True]


@pytest.mark.parametrize("name", ["DescribeInstances", "RunInstances"])
def test_records_without_redaction_are_untouched(name):
    record = normalise({**_run_instances_record(MEMBER, "i-1"), "eventName": name, "requestParameters": {}})
    assert UserDataEnricher(lambda *a: pytest.fail("no fetch expected"))(record) is record
