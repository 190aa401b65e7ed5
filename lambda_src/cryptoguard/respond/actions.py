"""Response: the plan is pure (which actions an alert calls for), the actions are boto3 at the edge. Every
action first reads the resource: an allow-listed one is left alone, one already in the wanted state is not
touched again, so running twice changes nothing more.

Modes: off (nothing), dry_run (report the exact actions that enforce would take), enforce."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptoguard.settings import coerce_fields, json_from_env, known_fields
from cryptoguard.targets import Target

MODES = ("off", "dry_run", "enforce")
SEVERITIES = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True)
class ResponseSettings:
    mode: str = "off"
    min_severity: str = "HIGH"
    instance_action: str = "stop"  # or terminate
    allow_tag: str = "cryptoguard:allow"  # value "true" on a resource: never touched
    quarantine_tag: str = "cryptoguard:quarantined"
    allowlisted_principals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        coerce_fields(self)
        if self.mode not in MODES:
            raise ValueError(f"response mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.instance_action not in ("stop", "terminate"):
            raise ValueError(f"instance_action must be stop or terminate, got {self.instance_action!r}")
        if self.min_severity not in SEVERITIES:
            raise ValueError(f"min_severity must be one of {', '.join(SEVERITIES)}, got {self.min_severity!r}")

    @classmethod
    def from_env(cls, variable: str = "RESPONSE_SETTINGS") -> ResponseSettings:
        return cls(**known_fields(cls, json_from_env(variable), "response settings"))


@dataclass(frozen=True)
class Outcome:
    target: Target
    action: str
    status: str  # done | planned | unchanged | allowlisted | gone | failed
    detail: str = ""

    def as_dict(self) -> dict:
        return {"target": self.target.as_dict(), "action": self.action, "status": self.status, "detail": self.detail}


ACTIONS = {
    "instance": "clear termination protection, {instance_action}, tag {quarantine_tag}",
    "auto_scaling_group": "suspend processes, set min and desired capacity to 0",
    "ecs_service": "set desired count to 0",
    "function_url": "delete the function URL",
    "access_key": "deactivate the access key (never delete)",
}


def wanted(alert: dict, settings: ResponseSettings) -> list[Target]:
    """The targets an alert calls for acting on, by severity and allow-listed principals (pure)."""
    if settings.mode == "off":
        return []
    if SEVERITIES.index(str(alert.get("severity", "INFO"))) < SEVERITIES.index(settings.min_severity):
        return []
    if any(fnmatch.fnmatchcase(str(alert.get("principal", "")), p) for p in settings.allowlisted_principals):
        return []
    return [Target(**t) for t in alert.get("targets", []) if isinstance(t, dict) and t.get("kind") in ACTIONS]


# Error codes that mean the resource no longer exists: reported as gone (someone was faster), not as failed.
VANISHED = {
    "ResourceNotFoundException",
    "NoSuchEntity",
    "ClusterNotFoundException",
    "ServiceNotFoundException",
    "InvalidInstanceID.NotFound",
}


def describe(target: Target, settings: ResponseSettings) -> str:
    return ACTIONS[target.kind].format(instance_action=settings.instance_action, quarantine_tag=settings.quarantine_tag)


class Responder:
    """Acts on targets. `client(service, account, region)` returns a boto3 client for that place (the handler
    assumes a role in member accounts)."""

    def __init__(self, settings: ResponseSettings, client: Callable[[str, str, str], Any]) -> None:
        self.settings = settings
        self.client = client

    def respond(self, targets: list[Target]) -> list[Outcome]:
        outcomes = []
        for target in dict.fromkeys(targets):
            try:
                outcomes.append(getattr(self, f"_{target.kind}")(target))
            except Exception as exc:  # one failure must not stop the rest of the response
                code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
                status = "gone" if code in VANISHED or code.endswith(".NotFound") else "failed"
                outcomes.append(
                    Outcome(target, describe(target, self.settings), status, f"{type(exc).__name__}: {exc}")
                )
        return outcomes

    def _allowed(self, tags: list[dict] | dict | None) -> bool:
        if isinstance(tags, dict):
            return str(tags.get(self.settings.allow_tag, "")).lower() == "true"
        return any(
            t.get("Key") == self.settings.allow_tag and str(t.get("Value")).lower() == "true" for t in tags or []
        )

    def _outcome(self, target: Target, changes: list[str], act: Callable[[], None]) -> Outcome:
        action = describe(target, self.settings)
        if not changes:
            return Outcome(target, action, "unchanged", "already contained")
        if self.settings.mode == "dry_run":
            return Outcome(target, action, "planned", "; ".join(changes))
        act()
        return Outcome(target, action, "done", "; ".join(changes))

    def _instance(self, target: Target) -> Outcome:
        ec2 = self.client("ec2", target.account, target.region)
        found = [i for r in ec2.describe_instances(InstanceIds=[target.id])["Reservations"] for i in r["Instances"]]
        if not found:
            return Outcome(target, describe(target, self.settings), "gone")
        instance = found[0]
        if self._allowed(instance.get("Tags")):
            return Outcome(target, describe(target, self.settings), "allowlisted")
        state = instance["State"]["Name"]
        protected = ec2.describe_instance_attribute(InstanceId=target.id, Attribute="disableApiTermination")[
            "DisableApiTermination"
        ]["Value"]
        terminate = self.settings.instance_action == "terminate"
        final = ("shutting-down", "terminated") if terminate else ("stopping", "stopped", "shutting-down", "terminated")
        tagged = any(t.get("Key") == self.settings.quarantine_tag for t in instance.get("Tags", []))
        changes = (
            (["clear termination protection"] if protected else [])
            + ([f"{self.settings.instance_action} (was {state})"] if state not in final else [])
            + ([f"tag {self.settings.quarantine_tag}"] if not tagged else [])
        )

        def act() -> None:
            if not tagged:
                ec2.create_tags(
                    Resources=[target.id],
                    Tags=[{"Key": self.settings.quarantine_tag, "Value": datetime.now(UTC).isoformat()}],
                )
            if protected:
                ec2.modify_instance_attribute(InstanceId=target.id, DisableApiTermination={"Value": False})
            if state not in final:
                if terminate:
                    ec2.terminate_instances(InstanceIds=[target.id])
                else:
                    ec2.stop_instances(InstanceIds=[target.id])

        return self._outcome(target, changes, act)

    def _auto_scaling_group(self, target: Target) -> Outcome:
        asg = self.client("autoscaling", target.account, target.region)
        groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[target.id])["AutoScalingGroups"]
        if not groups:
            return Outcome(target, describe(target, self.settings), "gone")
        group = groups[0]
        if self._allowed(group.get("Tags")):
            return Outcome(target, describe(target, self.settings), "allowlisted")
        suspended = {p["ProcessName"] for p in group.get("SuspendedProcesses", [])}
        changes = (
            [] if {"Launch", "AlarmNotification", "ScheduledActions"} <= suspended else ["suspend processes"]
        ) + (
            [f"min {group['MinSize']} -> 0, desired {group['DesiredCapacity']} -> 0"]
            if group["MinSize"] or group["DesiredCapacity"]
            else []
        )

        def act() -> None:
            asg.suspend_processes(AutoScalingGroupName=target.id)
            asg.update_auto_scaling_group(AutoScalingGroupName=target.id, MinSize=0, DesiredCapacity=0)

        return self._outcome(target, changes, act)

    def _ecs_service(self, target: Target) -> Outcome:
        ecs = self.client("ecs", target.account, target.region)
        cluster, _, service = target.id.partition("/")
        services = ecs.describe_services(cluster=cluster, services=[service], include=["TAGS"])["services"]
        if not services or services[0].get("status") == "INACTIVE":
            return Outcome(target, describe(target, self.settings), "gone")
        found = services[0]
        tags = {t["key"]: t["value"] for t in found.get("tags", [])}
        if self._allowed(tags):
            return Outcome(target, describe(target, self.settings), "allowlisted")
        changes = [f"desired {found['desiredCount']} -> 0"] if found["desiredCount"] else []
        return self._outcome(
            target, changes, lambda: ecs.update_service(cluster=cluster, service=service, desiredCount=0)
        )

    def _function_url(self, target: Target) -> Outcome:
        lam = self.client("lambda", target.account, target.region)
        try:
            config = lam.get_function_url_config(FunctionName=target.id)
        except lam.exceptions.ResourceNotFoundException:
            return Outcome(target, describe(target, self.settings), "unchanged", "no function URL")
        function_arn = config["FunctionArn"]
        if self._allowed(lam.list_tags(Resource=function_arn.split(":$")[0]).get("Tags", {})):
            return Outcome(target, describe(target, self.settings), "allowlisted")
        changes = [f"delete URL {config.get('FunctionUrl')} (auth {config.get('AuthType')})"]
        return self._outcome(target, changes, lambda: lam.delete_function_url_config(FunctionName=target.id))

    def _access_key(self, target: Target) -> Outcome:
        iam = self.client("iam", target.account, target.region)
        user, _, key_id = target.id.partition("/")
        tags = iam.list_user_tags(UserName=user).get("Tags", [])
        if self._allowed(tags):
            return Outcome(target, describe(target, self.settings), "allowlisted")
        keys = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
        if key_id not in keys:
            return Outcome(target, describe(target, self.settings), "gone")
        changes = ["deactivate"] if keys[key_id] == "Active" else []
        return self._outcome(
            target, changes, lambda: iam.update_access_key(UserName=user, AccessKeyId=key_id, Status="Inactive")
        )
