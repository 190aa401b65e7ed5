"""Lambda entry point of the responder: "Cryptoguard Alert" events from the alert bus -> actions -> a report on
the alert topic. Environment: RESPONSE_SETTINGS (JSON, see respond/actions.py), TOPIC_ARN, and
MEMBER_ROLE_NAME (the role to assume in other accounts of the organisation; without it, only this account).

Trust: the alert bus admits only the detection function (modules/detection), and this handler still checks
every event before acting: it must be a Cryptoguard Alert put by this account, well formed, and it acts only
in the alert's own account, through that account's role. It never falls back to acting on a same-named
resource in its own account."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from functools import cache
from typing import Any

import boto3

from cryptoguard.notify import sns_subject
from cryptoguard.patterns import infrastructure
from cryptoguard.respond.actions import ACTIONS, SEVERITIES, Outcome, Responder, ResponseSettings, wanted
from cryptoguard.sessions import assumed
from cryptoguard.targets import Target

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


@cache
def _own_account() -> str:
    return boto3.client("sts").get_caller_identity()["Account"]


def _is_account(value: object) -> bool:
    return isinstance(value, str) and len(value) == 12 and value.isdigit()


def provenance_problem(event: Any, own_account: str) -> str | None:
    """Why this event must not be acted on, or None. Checks where it came from and that it is well formed."""
    if not isinstance(event, dict):
        return "the event is not a JSON object"
    pattern = infrastructure()["alerts"]  # the source and detail-type the detection function uses
    if event.get("source") not in pattern["source"] or event.get("detail-type") not in pattern["detail-type"]:
        return f"not a Cryptoguard Alert (source {event.get('source')!r}, detail-type {event.get('detail-type')!r})"
    if event.get("account") != own_account:
        return f"put on the bus by account {event.get('account')!r}, not by this account's detection function"
    alert = event.get("detail")
    if not isinstance(alert, dict):
        return "the alert (detail) is not a JSON object"
    if alert.get("severity") not in SEVERITIES or not isinstance(alert.get("rule_id"), str):
        return "the alert has no valid severity or rule_id"
    if not _is_account(alert.get("account")):
        return f"the alert names no account it is about ({alert.get('account')!r})"
    targets = alert.get("targets", [])
    if not isinstance(targets, list):
        return "the alert's targets are not a list"
    for target in targets:
        if not isinstance(target, dict) or set(target) != set(Target._fields):
            return f"malformed target {str(target)[:200]}"
        if not all(isinstance(target[f], str) for f in Target._fields) or target["kind"] not in ACTIONS:
            return f"malformed target {str(target)[:200]}"
        if target["account"] != alert["account"]:
            return f"target {target['id']} is in account {target['account']}, not the alert's {alert['account']}"
    return None


@cache
def _session(account: str) -> boto3.Session:
    if account == _own_account():
        return boto3.Session()
    role = os.environ.get("MEMBER_ROLE_NAME")
    if not role:
        raise PermissionError(f"no MEMBER_ROLE_NAME to act in account {account}; nothing done there")
    return assumed(f"arn:aws:iam::{account}:role/{role}", "cryptoguard-responder")


def _client(service: str, account: str, region: str) -> Any:
    return _session(account).client(service, region_name=region or None)


def subject(rule_id: str, outcomes: list[Outcome], mode: str) -> str:
    """What happened, counted by outcome: "[RESPONSE] CG-ASG-001: 3 done, 2 failed" (dry run: planned)."""
    counts = Counter(o.status for o in outcomes)
    order = ("failed", "done", "planned", "unchanged", "gone", "allowlisted")
    parts = ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
    prefix = "[RESPONSE DRY RUN]" if mode == "dry_run" else "[RESPONSE]"
    return sns_subject(f"{prefix} {rule_id}: {parts}")


def handler(event: Any, _context: Any = None) -> dict[str, Any]:
    settings = ResponseSettings.from_env()
    problem = provenance_problem(event, _own_account())
    if problem:
        log.error(json.dumps({"message": "alert rejected, nothing done", "reason": problem, "event": str(event)[:500]}))
        return {"rejected": problem}
    alert = event["detail"]
    targets = wanted(alert, settings)
    outcomes = Responder(settings, _client).respond(targets)
    report = {
        "mode": settings.mode,
        "rule_id": alert["rule_id"],
        "incident": alert.get("incident"),
        "account": alert["account"],
        "outcomes": [o.as_dict() for o in outcomes],
    }
    for outcome in outcomes:
        log.info(json.dumps({"message": "response", "mode": settings.mode, **outcome.as_dict()}))
    topic = os.environ.get("TOPIC_ARN")
    if outcomes and topic and any(o.status in ("done", "planned", "failed") for o in outcomes):
        boto3.client("sns").publish(
            TopicArn=topic,
            Subject=subject(alert["rule_id"], outcomes, settings.mode),
            Message=json.dumps(report, indent=2),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": alert["severity"]},
                "rule_id": {"DataType": "String", "StringValue": "RESPONSE"},
            },
        )
    return report
