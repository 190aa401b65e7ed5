"""Compute beyond EC2 that miners rent: SageMaker (seed 000 names it), WorkSpaces with GPUs (seed 000), EKS node
groups, Batch compute environments, EMR clusters, CodeBuild and Lightsail.

One reading for all of them: what a request asks for (instance or compute types, how many, the maximum it may
grow to) is pulled out case-insensitively, since CloudTrail keeps each service's own casing, then judged by the
same settings as EC2 launches: accelerated_families / allowed_instance_families for instance types,
accelerated_compute_types for services' own GPU type names, max_instances_per_call and max_instances_per_window
for counts. Service-specific limits (max_asg_size for node groups, max_batch_vcpus) cover the maxima."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptoguard.indicators import (
    as_int,
    decode_user_data,
    find_indicators,
    is_accelerated,
    known_bad_image,
    strings,
    walk,
)
from cryptoguard.records import Record, as_dict, as_list
from cryptoguard.rules.base import Context, Finding, Rule, Severity
from cryptoguard.state import heaviest

SAGEMAKER = Rule(
    "CG-SAGEMAKER-001",
    "SageMaker capacity with GPUs or at fleet size",
    Severity.HIGH,
    "000",
    "T1496",
    "A notebook instance, training, processing or transform job, endpoint config or HyperPod cluster with ml.p*, "
    "ml.g*, ml.trn*, ml.inf* types (accelerated_families), or max_instances_per_call instances in one request, or "
    "max_instances_per_window within launch_window_minutes.",
)
WORKSPACES = Rule(
    "CG-WORKSPACES-001",
    "GPU WorkSpaces or a burst of WorkSpaces",
    Severity.HIGH,
    "000",
    "T1496",
    "CreateWorkspaces, ModifyWorkspaceProperties or CreateWorkspaceBundle with a GPU compute type "
    "(accelerated_compute_types: GRAPHICS*, G4DN, G6...), or WorkSpaces in the numbers of max_instances_per_call / "
    "max_instances_per_window.",
)
EKS = Rule(
    "CG-EKS-001",
    "EKS node group with GPUs or a fleet-sized maximum",
    Severity.HIGH,
    "002",
    "T1496",
    "CreateNodegroup or UpdateNodegroupConfig with accelerated instance types or a GPU/Neuron AMI type, a "
    "desiredSize of max_instances_per_call or more, or a maxSize of max_asg_size or more (node groups are Auto "
    "Scaling groups).",
)
BATCH = Rule(
    "CG-BATCH-001",
    "Batch compute environment with GPUs or a fleet-sized maximum",
    Severity.HIGH,
    "002",
    "T1496",
    "CreateComputeEnvironment or UpdateComputeEnvironment with accelerated instance types or families, or "
    "maxvCpus of max_batch_vcpus or more.",
)
EMR = Rule(
    "CG-EMR-001",
    "EMR cluster with GPUs or at fleet size",
    Severity.HIGH,
    "002",
    "T1496",
    "RunJobFlow, AddInstanceGroups, AddInstanceFleet or ModifyInstanceGroups with accelerated instance types, or "
    "instance counts and fleet capacities of max_instances_per_call or more.",
)
CODEBUILD = Rule(
    "CG-CODEBUILD-001",
    "CodeBuild on GPUs or the largest compute",
    Severity.MEDIUM,
    "000",
    "T1496",
    "A project, build or fleet with a GPU environment (accelerated_compute_types) or a compute type in "
    "large_build_compute_types. MEDIUM: ML builds use them too; the payload rule catches the miners.",
)
LIGHTSAIL = Rule(
    "CG-LIGHTSAIL-001",
    "Mass creation of Lightsail instances",
    Severity.HIGH,
    "004",
    "T1496",
    "CreateInstances or CreateInstancesFromSnapshot naming max_instances_per_call instances, or "
    "max_instances_per_window within launch_window_minutes: cheap fixed-price boxes for bandwidth mining.",
)
JOB_PAYLOAD = Rule(
    "CG-PAYLOAD-002",
    "Mining payload in a managed job, build or notebook",
    Severity.CRITICAL,
    "000",
    "T1496",
    "Miner or pool indicators in a CodeBuild buildspec or command, a SageMaker lifecycle script or job "
    "container command, a Batch job definition or a Lightsail launch script.",
)


@dataclass(frozen=True)
class Service:
    rule: Rule
    source: str
    events: frozenset[str]
    names: tuple[str, ...]  # request keys (lower case) that name the resource, first found wins
    payload_events: frozenset[str] = field(default_factory=frozenset)


SERVICES = {
    s.source: s
    for s in (
        Service(
            SAGEMAKER,
            "sagemaker.amazonaws.com",
            frozenset(
                {
                    "CreateNotebookInstance",
                    "UpdateNotebookInstance",
                    "CreateTrainingJob",
                    "CreateProcessingJob",
                    "CreateTransformJob",
                    "CreateEndpointConfig",
                    "UpdateEndpointWeightsAndCapacities",
                    "CreateCluster",
                    "UpdateCluster",
                }
            ),
            (
                "notebookinstancename",
                "trainingjobname",
                "processingjobname",
                "transformjobname",
                "endpointconfigname",
                "endpointname",
                "clustername",
            ),
            frozenset(
                {
                    "CreateNotebookInstanceLifecycleConfig",
                    "UpdateNotebookInstanceLifecycleConfig",
                    "CreateTrainingJob",
                    "CreateProcessingJob",
                }
            ),
        ),
        Service(
            WORKSPACES,
            "workspaces.amazonaws.com",
            frozenset({"CreateWorkspaces", "ModifyWorkspaceProperties", "CreateWorkspaceBundle"}),
            ("bundlename", "workspaceid", "username"),
        ),
        Service(EKS, "eks.amazonaws.com", frozenset({"CreateNodegroup", "UpdateNodegroupConfig"}), ("nodegroupname",)),
        Service(
            BATCH,
            "batch.amazonaws.com",
            frozenset({"CreateComputeEnvironment", "UpdateComputeEnvironment"}),
            ("computeenvironmentname", "computeenvironment"),
            frozenset({"RegisterJobDefinition"}),
        ),
        Service(
            EMR,
            "elasticmapreduce.amazonaws.com",
            frozenset({"RunJobFlow", "AddInstanceGroups", "AddInstanceFleet", "ModifyInstanceGroups"}),
            ("name", "jobflowid", "clusterid"),
        ),
        Service(
            CODEBUILD,
            "codebuild.amazonaws.com",
            frozenset({"CreateProject", "UpdateProject", "StartBuild", "StartBuildBatch", "CreateFleet"}),
            ("name", "projectname"),
            frozenset({"CreateProject", "UpdateProject", "StartBuild", "StartBuildBatch"}),
        ),
        Service(
            LIGHTSAIL,
            "lightsail.amazonaws.com",
            frozenset({"CreateInstances", "CreateInstancesFromSnapshot"}),
            ("instancenames",),
            frozenset({"CreateInstances", "CreateInstancesFromSnapshot"}),
        ),
    )
}
RULES = (SAGEMAKER, WORKSPACES, EKS, BATCH, EMR, CODEBUILD, LIGHTSAIL, JOB_PAYLOAD)

# Keys whose values count machines: SageMaker, EMR and endpoint counts, EMR fleet capacities, node groups' desired size.
COUNT_KEYS = frozenset(
    {
        "instancecount",
        "initialinstancecount",
        "desiredinstancecount",
        "desiredsize",
        "targetondemandcapacity",
        "targetspotcapacity",
    }
)
# Services' own names for what they run on (not EC2 instance types): WorkSpaces compute types, CodeBuild
# environment and compute types, EKS AMI types.
COMPUTE_TYPE_KEYS = frozenset(
    {
        "computetypename",
        "computetypeoverride",
        "computetype",
        "environmenttypeoverride",
        "environmenttype",
        "amitype",
        "type",
    }
)
# Where scripts live: CodeBuild buildspecs and commands, SageMaker lifecycle scripts (base64) and container
# commands, Batch job commands, Lightsail launch scripts.
SCRIPT_KEYS = frozenset(
    {
        "buildspec",
        "buildspecoverride",
        "content",
        "containerentrypoint",
        "containerarguments",
        "command",
        "userdata",
        "environment",
        "environmentvariables",
        "environmentvariablesoverride",
        "image",
        "imageoverride",
        "trainingimage",
        "imageuri",
    }
)


@dataclass
class Capacity:
    """What one request asks for, whatever the service."""

    instance_types: list[str]
    compute_types: list[str]
    instances: int
    maximum: int


def capacity(record: Record) -> Capacity:
    request = record.request
    types: set[str] = set()
    compute: set[str] = set()
    count = 0
    for key, value in walk(request):
        if key.endswith("instancetype") and isinstance(value, str):
            types.add(value)
        elif key == "instancetypes":
            types.update(v for v in as_list(value) if isinstance(v, str))
        elif key in COMPUTE_TYPE_KEYS:
            # A name, or WorkSpaces bundles' {"name": "GRAPHICS_G4DN"}.
            name = value if isinstance(value, str) else _lowered(value).get("name")
            if isinstance(name, str):
                compute.add(name)
        elif key in COUNT_KEYS:
            count += as_int(value)
    top = _lowered(request)
    # Requests that count machines by listing them (Lightsail names, WorkSpaces) or by a base capacity.
    count += len(as_list(top.get("instancenames"))) + len(as_list(top.get("workspaces")))
    if record.event_source == "codebuild.amazonaws.com":
        count += as_int(top.get("basecapacity"))
    maximum = as_int(_lowered(top.get("scalingconfig")).get("maxsize")) or as_int(
        _lowered(top.get("computeresources")).get("maxvcpus")
    )
    return Capacity(sorted(types), sorted(compute), count, maximum)


def _ec2_type(instance_type: str) -> str:
    """SageMaker's 'ml.p4d.24xlarge' as the EC2 type it runs on, for the one accelerated test."""
    return instance_type[3:] if instance_type.lower().startswith("ml.") else instance_type


def _lowered(value: Any) -> dict:
    return {str(k).lower(): v for k, v in as_dict(value).items()}


def _resource(record: Record, service: Service) -> str:
    """The name a person would look for: the job, cluster, node group, project, or the WorkSpaces' users."""
    request = _lowered(record.request)
    workspaces = as_list(request.get("workspaces"))
    value: Any = [_lowered(w).get("username") for w in workspaces] if workspaces else None
    value = value or next((request[k] for k in service.names if request.get(k)), "")
    if isinstance(value, list):
        value = ",".join(str(v) for v in value[:5]) + ("..." if len(value) > 5 else "")
    return str(value)


def _matches(value: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(value.upper(), p.upper()) for p in patterns)


def _capacity(record: Record, ctx: Context) -> Iterator[Finding]:
    service = SERVICES.get(record.event_source)
    if service is None or record.event_name not in service.events or not record.succeeded:
        return
    s = ctx.settings
    asked = capacity(record)
    accelerated = [
        t
        for t in asked.instance_types
        if is_accelerated(_ec2_type(t), s.accelerated_families, s.allowed_instance_families)
    ]
    gpu_compute = [t for t in asked.compute_types if _matches(t, s.accelerated_compute_types)]
    reasons: list[str] = []
    if accelerated or gpu_compute:
        reasons.append("accelerated")
    if service.rule is CODEBUILD and any(_matches(t, s.large_build_compute_types) for t in asked.compute_types):
        reasons.append("largest compute")
    if asked.instances >= s.max_instances_per_call:
        reasons.append("instances in one request")
    limit = s.max_batch_vcpus if service.rule is BATCH else s.max_asg_size
    if asked.maximum and asked.maximum >= limit:
        reasons.append("maximum size")
    details: dict[str, Any] = {
        "service": record.service,
        "resource": _resource(record, service),
        "instance_types": asked.instance_types,
        "compute_types": asked.compute_types,
        "instances": asked.instances,
    }
    if asked.maximum:  # Batch counts vCPUs, the others machines
        details["max_vcpus" if service.rule is BATCH else "maximum"] = asked.maximum
    if asked.instances:
        # Counted per service and principal, so twenty jobs of three instances are a fleet too.
        buckets = ctx.burst(
            f"{record.service}-capacity", record, record.event_id, s.launch_window_minutes, asked.instances
        )
        total = heaviest(buckets, record.event_time, ctx.minutes(s.launch_window_minutes)).score
        if total >= s.max_instances_per_window and "instances in one request" not in reasons:
            reasons.append("instances in the window")
            details["instances_in_window"] = total
    if reasons:
        # A burst is one incident however many resources it spans; anything else is about this resource.
        subject = "window" if reasons == ["instances in the window"] else details["resource"]
        yield service.rule.finding(
            record, {**details, "reasons": reasons, "accelerated": accelerated + gpu_compute}, subject=subject
        )


def _scripts(request: dict) -> Iterator[str]:
    for key, value in walk(request):
        if key in SCRIPT_KEYS:
            for text in strings(value):
                yield decode_user_data(text) if key in ("content", "userdata") else text


def _payload(record: Record, ctx: Context) -> Iterator[Finding]:
    service = SERVICES.get(record.event_source)
    if service is None or record.event_name not in service.payload_events or not record.succeeded:
        return
    found = list(dict.fromkeys(i for text in _scripts(record.request) for i in find_indicators(text)))
    known = ctx.settings.known_bad_images
    bad_images = [
        i for key, i in walk(record.request) if key in SCRIPT_KEYS and isinstance(i, str) and known_bad_image(i, known)
    ]
    if found or bad_images:
        resource = _resource(record, service)
        yield JOB_PAYLOAD.finding(
            record,
            {"service": record.service, "resource": resource, "indicators": found, "images": bad_images},
            subject=resource,
        )


CHECKS = (_capacity, _payload)
