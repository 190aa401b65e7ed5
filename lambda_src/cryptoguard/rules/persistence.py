"""Persistence after the launch (seed 002): termination protection to slow responders, public Lambda function
URLs, and new IAM users with keys, passwords and policies."""

from __future__ import annotations

from collections.abc import Iterator

from cryptoguard.records import Record
from cryptoguard.rules.base import Context, Finding, Rule, Severity
from cryptoguard.targets import MAX_TARGETS, Target

TERMINATION_PROTECTION = Rule(
    "CG-PERSIST-001",
    "Termination protection turned on",
    Severity.MEDIUM,
    "002",
    "T1496",
    "ModifyInstanceAttribute (or RunInstances) setting disableApiTermination to true; HIGH when one principal does "
    "it termination_protection_burst_threshold times within burst_window_minutes, as seed 002's actor did for "
    "every instance it launched.",
)
PUBLIC_FUNCTION_URL = Rule(
    "CG-LAMBDA-001",
    "Public Lambda function URL (AuthType NONE)",
    Severity.HIGH,
    "002",
    "T1648",
    "CreateFunctionUrlConfig or UpdateFunctionUrlConfig with AuthType NONE: anyone on the internet can invoke it.",
)
PUBLIC_PERMISSION = Rule(
    "CG-LAMBDA-002",
    "Lambda permission granted to everyone",
    Severity.HIGH,
    "002",
    "T1648",
    "AddPermission with principal '*' (seed 002 paired it with a public function URL).",
)
NEW_USER_CREDENTIALS = Rule(
    "CG-IAM-001",
    "New IAM user given access keys",
    Severity.MEDIUM,
    "002",
    "T1098.001",
    "CreateUser followed by CreateAccessKey for that user by the same principal within iam_window_minutes; HIGH "
    "when the user also gets a password or a directly attached policy (seed 002: AmazonSESFullAccess).",
)
RULES = (TERMINATION_PROTECTION, PUBLIC_FUNCTION_URL, PUBLIC_PERMISSION, NEW_USER_CREDENTIALS)

_TRUE = (True, "true", "True")
IAM_FOLLOW_UPS = {"CreateAccessKey", "CreateLoginProfile", "AttachUserPolicy", "PutUserPolicy", "AddUserToGroup"}


def _protection_requested(record: Record) -> bool:
    request = record.request
    if record.event_name == "ModifyInstanceAttribute":
        value = request.get("disableApiTermination")
        if isinstance(value, dict):
            value = value.get("value")
        if request.get("attribute") == "disableApiTermination":
            value = request.get("value")
        return isinstance(value, bool | str) and value in _TRUE
    value = request.get("disableApiTermination")
    return record.event_name == "RunInstances" and isinstance(value, bool | str) and value in _TRUE


def _termination_protection(record: Record, ctx: Context) -> Iterator[Finding]:
    if not record.succeeded or not _protection_requested(record):
        return
    s = ctx.settings
    instance = str(record.request.get("instanceId", ""))
    run = ctx.busiest("termination-protection", record, instance or record.event_id, s.burst_window_minutes)
    protected = run.score
    burst = protected >= s.termination_protection_burst_threshold
    # The escalated finding carries every instance of the burst (as many as an alert holds), so acting on it
    # contains them all.
    members = (
        ctx.store.members(ctx.key("termination-protection", record), run.start, run.end, MAX_TARGETS) if burst else []
    )
    targets = tuple(Target("instance", m, record.account, record.region) for m in members if m.startswith("i-"))
    yield TERMINATION_PROTECTION.finding(
        record,
        {"instance_id": instance, "protected_in_window": protected, "window_minutes": s.burst_window_minutes},
        severity=Severity.HIGH if burst else None,
        targets=targets,
    )


def _lambda(record: Record, ctx: Context) -> Iterator[Finding]:
    name = record.event_name
    if not record.succeeded or record.service != "lambda":
        return
    request = record.request
    function = str(request.get("functionName", ""))
    if name.startswith(("CreateFunctionUrlConfig", "UpdateFunctionUrlConfig")) and request.get("authType") == "NONE":
        yield PUBLIC_FUNCTION_URL.finding(
            record, {"function": function, "url": record.response.get("functionUrl")}, subject=function
        )
    elif name.startswith("AddPermission") and request.get("principal") == "*":
        yield PUBLIC_PERMISSION.finding(
            record,
            {"function": function, "action": request.get("action"), "statement_id": request.get("statementId")},
            subject=function,
        )


def _iam(record: Record, ctx: Context) -> Iterator[Finding]:
    name = record.event_name
    if record.service != "iam" or not record.succeeded or name not in IAM_FOLLOW_UPS | {"CreateUser"}:
        return
    user = str(record.request.get("userName", ""))
    if not user:
        return
    window = ctx.minutes(ctx.settings.iam_window_minutes)
    entries = ctx.store.add(ctx.key("iam", record), f"{name}:{user}:{record.event_id}", record.event_time, window)
    mine = sorted((e for e in entries if e.member.split(":")[1] == user), key=lambda e: (e.at, e.member))
    steps = {e.member.split(":", 1)[0] for e in mine}
    if "CreateUser" not in steps or "CreateAccessKey" not in steps:
        return
    escalated = bool(steps & {"CreateLoginProfile", "AttachUserPolicy", "PutUserPolicy"})
    yield NEW_USER_CREDENTIALS.finding(
        record,
        {"user": user, "steps": sorted(steps), "window_minutes": ctx.settings.iam_window_minutes},
        severity=Severity.HIGH if escalated else None,
        subject=user,
        related=tuple(e.member.rsplit(":", 1)[1] for e in mine),
    )


CHECKS = (_termination_protection, _lambda, _iam)
