"""Is an event on the alert bus a Cryptoguard Alert this account's detection function put there? Every consumer of
the bus (the responder, the Security Hub import) asks before it acts: the bus policy admits only the detection
function, and this is the second lock."""

from __future__ import annotations

from typing import Any

from cryptoguard.patterns import infrastructure
from cryptoguard.respond.actions import ACTIONS, SEVERITIES
from cryptoguard.targets import Target


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
