"""What a flagged record points at: the resources it created or changed, and the credential that made the call.
Pure: the responder acts on these, and alerts carry them so that people see them too."""

from __future__ import annotations

from typing import NamedTuple

from cryptoguard.records import Record, as_dict, as_list

MAX_TARGETS = 500


class Target(NamedTuple):
    kind: str  # instance | auto_scaling_group | ecs_service | function_url | access_key
    id: str  # instance id, group name, cluster/service, function name, user/key id
    account: str
    region: str

    def as_dict(self) -> dict:
        return self._asdict()


def targets_of(record: Record) -> list[Target]:
    def target(kind: str, ident: object) -> Target | None:
        return Target(kind, str(ident), record.account, record.region) if ident else None

    req, resp, name = record.request, record.response, record.event_name
    found: list[Target | None] = []
    if name == "RunInstances" and record.succeeded:
        found += [
            target("instance", i.get("instanceId"))
            for i in as_list(as_dict(resp.get("instancesSet")).get("items"))
            if isinstance(i, dict)
        ]
    elif name == "ModifyInstanceAttribute":
        found.append(target("instance", req.get("instanceId")))
    elif name in ("CreateAutoScalingGroup", "UpdateAutoScalingGroup"):
        found.append(target("auto_scaling_group", req.get("autoScalingGroupName")))
    elif name in ("CreateService", "UpdateService"):
        service = req.get("serviceName") or req.get("service")
        found.append(target("ecs_service", f"{req.get('cluster') or 'default'}/{service}" if service else None))
    elif name.startswith(("CreateFunctionUrlConfig", "UpdateFunctionUrlConfig")):
        found.append(target("function_url", req.get("functionName")))
    elif name == "CreateAccessKey":
        key = as_dict(resp.get("accessKey"))
        user = key.get("userName") or req.get("userName")
        found.append(target("access_key", f"{user}/{key['accessKeyId']}" if user and key.get("accessKeyId") else None))
    # The long-term key that made the call: stolen keys are how seeds 000 and 002 began.
    if record.principal_type == "IAMUser" and record.access_key_id.startswith("AKIA"):
        user = record.principal.rsplit("/", 1)[-1]
        found.append(target("access_key", f"{user}/{record.access_key_id}"))
    return [t for t in found if t is not None]
