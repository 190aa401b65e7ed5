"""Lambda entry point of the responder: "Cryptoguard Alert" events from the central bus -> actions -> a report on
the alert topic. Environment: RESPONSE_SETTINGS (JSON, see respond/actions.py), TOPIC_ARN, and
MEMBER_ROLE_NAME (the role to assume in other accounts of the organisation; without it, only this account)."""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from typing import Any

import boto3

from cryptoguard.respond.actions import Responder, ResponseSettings, wanted

log = logging.getLogger("cryptoguard")
log.setLevel(logging.INFO)


@cache
def _own_account() -> str:
    return boto3.client("sts").get_caller_identity()["Account"]


@cache
def _session(account: str) -> boto3.Session:
    role = os.environ.get("MEMBER_ROLE_NAME")
    if not role or account in ("", _own_account()):
        return boto3.Session()
    creds = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName="cryptoguard-responder"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _client(service: str, account: str, region: str) -> Any:
    return _session(account).client(service, region_name=region or None)


def handler(event: dict[str, Any], _context: Any = None) -> dict[str, Any]:
    settings = ResponseSettings.from_env()
    alert = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(alert, dict):
        log.error(json.dumps({"message": "responder event without an alert in detail", "event": str(event)[:500]}))
        return {"error": "no alert"}
    targets = wanted(alert, settings)
    outcomes = Responder(settings, _client).respond(targets)
    report = {
        "mode": settings.mode,
        "rule_id": alert.get("rule_id"),
        "incident": alert.get("incident"),
        "outcomes": [o.as_dict() for o in outcomes],
    }
    for outcome in outcomes:
        log.info(json.dumps({"message": "response", "mode": settings.mode, **outcome.as_dict()}))
    acted = [o for o in outcomes if o.status in ("done", "planned", "failed")]
    topic = os.environ.get("TOPIC_ARN")
    if acted and topic:
        verb = "planned (dry run)" if settings.mode == "dry_run" else "taken"
        boto3.client("sns").publish(
            TopicArn=topic,
            Subject=f"[RESPONSE] {len(acted)} actions {verb} for {alert.get('rule_id')}"[:100],
            Message=json.dumps(report, indent=2),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": str(alert.get("severity"))},
                "rule_id": {"DataType": "String", "StringValue": "RESPONSE"},
            },
        )
    return report
