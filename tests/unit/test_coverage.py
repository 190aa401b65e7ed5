"""The GuardDuty coverage audit. Detectors and their features are moto's; the member and coverage calls moto does
not implement (ListMembers, GetMemberDetectors, ListCoverage) are answered through botocore's Stubber, which
checks every request and response against the GuardDuty API model. Faults: a region that cannot be read is a gap,
and one failed publish neither loses the other gaps nor passes silently."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from cryptoguard.handlers import coverage as handler
from cryptoguard.rules import RULES

ADMIN = "123456789012"  # moto's account
MEMBER, IDLE = "111122223333", "444455556666"
RUNTIME_ON = [
    {
        "Name": "RUNTIME_MONITORING",
        "Status": "ENABLED",
        "AdditionalConfiguration": [
            {"Name": "EC2_AGENT_MANAGEMENT", "Status": "ENABLED"},
            {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "ENABLED"},
            {"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"},
        ],
    }
]


class Mixed:
    """moto for what it implements, the stubbed client for the rest."""

    STUBBED = ("list_members", "get_member_detectors", "list_coverage")

    def __init__(self, moto: Any, stubbed: Any) -> None:
        self.moto, self.stubbed = moto, stubbed

    def get_paginator(self, name: str) -> Any:
        return (self.stubbed if name in self.STUBBED else self.moto).get_paginator(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stubbed if name in self.STUBBED else self.moto, name)


def stubbed_member_calls(stub: Stubber, members: list[dict], features: list[dict], unhealthy: list[dict]) -> None:
    stub.add_response("list_members", {"Members": members})
    if any(m["RelationshipStatus"] == "Enabled" for m in members):
        stub.add_response(
            "get_member_detectors", {"MemberDataSourceConfigurations": features, "UnprocessedAccounts": []}
        )
    stub.add_response("list_coverage", {"Resources": unhealthy})


def member(account: str, status: str) -> dict:
    return {
        "AccountId": account,
        "MasterId": ADMIN,
        "Email": f"{account}@example.com",
        "RelationshipStatus": status,
        "UpdatedAt": "2026-11-20T00:00:00Z",
    }


def resource(kind: str, ident: str, issue: str) -> dict:
    details = {
        "EC2": {"Ec2InstanceDetails": {"InstanceId": ident}},
        "ECS": {"EcsClusterDetails": {"ClusterName": ident}},
    }
    return {
        "ResourceId": ident,
        "DetectorId": "d1",
        "AccountId": MEMBER,
        "ResourceDetails": {"ResourceType": kind, **details.get(kind, {})},
        "CoverageStatus": "UNHEALTHY",
        "Issue": issue,
    }


@pytest.fixture
def regions(aws_in_process):
    """Tokyo: a detector with Runtime Monitoring on, a member with it off, an account never enabled, unhealthy
    agents. us-east-1: a detector whose EC2 agent management is off. sa-east-1: no detector at all."""
    tokyo = boto3.client("guardduty", region_name="ap-northeast-1")
    tokyo.create_detector(Enable=True, Features=RUNTIME_ON)
    virginia = boto3.client("guardduty", region_name="us-east-1")
    partial = json.loads(json.dumps(RUNTIME_ON))
    partial[0]["AdditionalConfiguration"][0]["Status"] = "DISABLED"
    virginia.create_detector(Enable=True, Features=partial)
    stubs: dict[str, tuple[Any, Stubber]] = {}
    for region in ("ap-northeast-1", "us-east-1", "sa-east-1"):
        client = boto3.client("guardduty", region_name=region)
        stubs[region] = (client, Stubber(client))
    members = [member(MEMBER, "Enabled"), member(IDLE, "Created")]
    legacy = {k: {"Status": "ENABLED"} for k in ("CloudTrail", "DNSLogs", "FlowLogs", "S3Logs")}  # still required
    off = [
        {
            "AccountId": MEMBER,
            "DataSources": legacy,
            "Features": [{"Name": "RUNTIME_MONITORING", "Status": "DISABLED"}],
        }
    ]
    unhealthy = [
        resource("EC2", "i-0a1b2c3d4e5f60718", "No Agent Reporting"),
        resource("EC2", "i-0a1b2c3d4e5f60719", "No Agent Reporting"),
        resource("ECS", "miners", "Container runtime is not supported"),
    ]
    stubbed_member_calls(stubs["ap-northeast-1"][1], members, off, unhealthy)
    stubbed_member_calls(stubs["us-east-1"][1], [], [], [])
    for _, stub in stubs.values():
        stub.activate()
    yield {r: Mixed(boto3.client("guardduty", region_name=r), c) for r, (c, _) in stubs.items()}
    for _, stub in stubs.values():
        stub.assert_no_pending_responses()


def by_rule(gaps: list) -> dict[str, list]:
    found: dict[str, list] = {}
    for gap in gaps:
        found.setdefault(gap.rule.id, []).append(gap)
    return found


def test_every_kind_of_gap_is_found_in_every_region(regions):
    gaps = by_rule(handler.audit(list(regions), ADMIN, regions.__getitem__))
    assert {(g.account, g.region) for g in gaps["CG-COVERAGE-001"]} == {(IDLE, "ap-northeast-1"), (ADMIN, "sa-east-1")}
    runtime = {(g.account, g.region): g.details["disabled"] for g in gaps["CG-COVERAGE-002"]}
    assert runtime == {
        (MEMBER, "ap-northeast-1"): ["RUNTIME_MONITORING"],
        (ADMIN, "us-east-1"): ["EC2_AGENT_MANAGEMENT"],
    }
    agents = {g.subject: (g.count, g.details["issues"]) for g in gaps["CG-COVERAGE-003"]}
    assert agents == {
        "EC2": (2, {"No Agent Reporting": 2}),
        "ECS": (1, {"Container runtime is not supported": 1}),
    }
    assert set(gaps) <= set(RULES)  # the catalogue lists them


def test_a_region_that_cannot_be_read_is_a_gap_not_silence(regions):
    def client_for(region: str) -> Any:
        if region == "sa-east-1":
            client = boto3.client("guardduty", region_name=region)
            stub = Stubber(client)
            stub.add_client_error("list_detectors", "AccessDeniedException", "not authorised", 403)
            stub.activate()
            return client
        return regions[region]

    gaps = by_rule(handler.audit(list(regions), ADMIN, client_for))
    [unread] = gaps["CG-COVERAGE-004"]
    assert unread.region == "sa-east-1" and "AccessDenied" in unread.details["error"]


def test_gaps_are_published_as_alerts_and_one_failed_publish_loses_no_other(regions, monkeypatch):
    real = boto3.client
    sns = real("sns", region_name="us-east-1")
    monkeypatch.setenv("REGIONS", json.dumps(list(regions)))
    monkeypatch.setenv("TOPIC_ARN", sns.create_topic(Name="alerts")["TopicArn"])
    sent: list[dict] = []
    calls = {"n": 0}

    def publish(**kwargs: Any) -> dict:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Publish")
        sent.append(kwargs)
        return {"MessageId": str(calls["n"])}

    def client(service: str, region_name: str | None = None, **kwargs: Any) -> Any:
        if service == "guardduty":
            return regions[region_name]
        return sns if service == "sns" else real(service, region_name=region_name or "us-east-1", **kwargs)

    monkeypatch.setattr(sns, "publish", publish)
    monkeypatch.setattr(handler.boto3, "client", client)
    with pytest.raises(RuntimeError, match="1 of 6 coverage gaps could not be published"):
        handler.handler()
    assert len(sent) == 5  # every other gap still reached the topic
    assert all(m["Subject"].startswith(("[HIGH]", "[MEDIUM]")) and "GuardDuty" in m["Subject"] for m in sent)
    assert {m["MessageAttributes"]["rule_id"]["StringValue"] for m in sent} <= {r for r in RULES if "COVERAGE" in r}
