"""ECS and Fargate abuse (seed 002): dozens of clusters, 16-vCPU task definitions with a mining image, and
services that run many copies of them."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.indicators import find_indicators, known_bad_image, strings
from cryptoguard.records import Record, as_list
from cryptoguard.rules.base import Context, Finding, Rule, Severity

LARGE_TASK = Rule(
    "CG-ECS-001",
    "ECS task definition asking for mining-sized CPU",
    Severity.HIGH,
    "002",
    "T1496",
    "RegisterTaskDefinition with task or container CPU of task_cpu_threshold units or more "
    "(seed 002: 16,384 = 16 vCPU, the Fargate maximum).",
)
BAD_IMAGE = Rule(
    "CG-ECS-002",
    "ECS task runs a known mining image or miner command",
    Severity.CRITICAL,
    "002",
    "T1610",
    "A container definition naming a known-bad image (known_bad_images) or carrying miner "
    "indicators in its command, entry point or environment.",
)
UNTRUSTED_IMAGE = Rule(
    "CG-ECS-003",
    "ECS task image from an untrusted registry",
    Severity.MEDIUM,
    "002",
    "T1610",
    "A container image outside trusted_registries (only when that list is set).",
)
LARGE_SERVICE = Rule(
    "CG-ECS-004",
    "ECS service with a large desired count",
    Severity.MEDIUM,
    "002",
    "T1496",
    "CreateService or UpdateService with desiredCount of max_service_desired_count or more.",
)
CLUSTER_BURST = Rule(
    "CG-ECS-005",
    "Burst of new ECS clusters",
    Severity.HIGH,
    "002",
    "T1496",
    "One principal created cluster_burst_threshold ECS clusters or more within "
    "burst_window_minutes (seed 002: over 50 in one attack).",
)
RULES = (LARGE_TASK, BAD_IMAGE, UNTRUSTED_IMAGE, LARGE_SERVICE, CLUSTER_BURST)


def _cpu(value: object) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def _task_definition(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.event_name != "RegisterTaskDefinition" or not record.succeeded:
        return
    s = ctx.settings
    request = record.request
    containers = [c for c in as_list(request.get("containerDefinitions")) if isinstance(c, dict)]
    family = str(request.get("family", ""))
    cpu = max([_cpu(request.get("cpu"))] + [_cpu(c.get("cpu")) for c in containers])
    if cpu >= s.task_cpu_threshold:
        yield LARGE_TASK.finding(
            record, {"family": family, "cpu": cpu, "threshold": s.task_cpu_threshold}, subject=family
        )
    images = [str(c.get("image", "")) for c in containers]
    bad = [i for i in images if known_bad_image(i, s.known_bad_images)]
    payload = [
        x
        for c in containers
        for x in find_indicators(" ".join(strings({k: c.get(k) for k in ("command", "entryPoint", "environment")})))
    ]
    if bad or payload:
        yield BAD_IMAGE.finding(
            record, {"family": family, "images": bad or images, "indicators": payload}, subject=family
        )
    if s.trusted_registries:
        untrusted = [i for i in images if not any(i.startswith(r) for r in s.trusted_registries)]
        if untrusted:
            yield UNTRUSTED_IMAGE.finding(record, {"family": family, "images": untrusted}, subject=family)


def _services(record: Record, ctx: Context) -> Iterator[Finding]:
    if record.event_name not in ("CreateService", "UpdateService", "CreateCluster") or not record.succeeded:
        return
    s = ctx.settings
    if record.event_name == "CreateCluster":
        clusters = ctx.busiest("ecs-cluster", record, record.event_id, s.burst_window_minutes).score
        if clusters >= s.cluster_burst_threshold:
            yield CLUSTER_BURST.finding(
                record, {"clusters_in_window": clusters, "window_minutes": s.burst_window_minutes}
            )
        return
    desired = _cpu(record.request.get("desiredCount"))
    if desired >= s.max_service_desired_count:
        service = str(record.request.get("serviceName") or record.request.get("service", ""))
        yield LARGE_SERVICE.finding(
            record,
            {"service": service, "cluster": record.request.get("cluster"), "desired_count": desired},
            subject=service,
        )


CHECKS = (_task_definition, _services)
