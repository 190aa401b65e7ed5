"""Indicators of mining payloads and helpers to read instance types and counts out of launch requests."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from cryptoguard.records import Record, as_dict, as_list

# Strong: each one alone marks a mining payload (seed 002: SRBMiner and rplant.xyz pools; seed 004: meson_cdn,
# gaganode). Weak: common in benign scripts too, reported only alongside a strong one.
STRONG_INDICATORS = (
    "xmrig",
    "stratum+tcp://",
    "stratum+ssl://",
    "stratum2+tcp://",
    "rplant.xyz",
    "meson_cdn",
    "meson.network",
    "gaganode",
    "srbminer",
    "sbrminer",
    "nanominer",
    "lolminer",
    "phoenixminer",
    "nbminer",
    "t-rex",
    "cpuminer",
    "minerd",
    "randomvirel",
    "nicehash",
    "moneroocean",
    "supportxmr",
    "unmineable",
    "2miners.com",
    "nanopool.org",
    "hashvault.pro",
    "xmrpool",
    "c3pool",
    "herominers",
)
WEAK_INDICATORS = ("nproc --all", "$(nproc)", "--threads", "cpulimit", "hugepages")
REDACTED = "<sensitiveDataRemoved>"
# The calls whose user data CloudTrail redacts, and that enrich.py can read back.
REDACTED_USER_DATA_EVENTS = frozenset(
    {
        "RunInstances",
        "ModifyInstanceAttribute",
        "CreateLaunchTemplate",
        "CreateLaunchTemplateVersion",
        "CreateLaunchConfiguration",
    }
)
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]{16,}$")


def decode_user_data(value: Any) -> str:
    """User data as text: CloudTrail shows it base64 encoded (or redacted); plain text is passed through."""
    if not isinstance(value, str) or not value or value == REDACTED:
        return ""
    if _BASE64.match(value):
        try:
            return base64.b64decode(value, validate=False).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return value
    return value


def redacted(record: Record) -> bool:
    """A successful call whose user data CloudTrail replaced with REDACTED."""
    return (
        record.event_name in REDACTED_USER_DATA_EVENTS
        and record.succeeded
        and any(k == "userdata" and REDACTED in str(v) for k, v in walk(record.request))
    )


def find_indicators(text: str) -> list[str]:
    lowered = text.lower()
    strong = [i for i in STRONG_INDICATORS if i in lowered]
    return strong + [i for i in WEAK_INDICATORS if i in lowered] if strong else []


def known_bad_image(image: str, known: tuple[str, ...]) -> bool:
    """The image (any registry, tag or digest) is one of `known` (repository names, e.g. "yenik65958/secret")."""
    name = image.split("@", 1)[0]
    head, colon, tag = name.rpartition(":")
    if colon and "/" not in tag:  # a tag, not a registry's port
        name = head
    return any(name.endswith(b) for b in known)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a nested request, case-insensitively keyed, depth first. With a stack of
    iterators rather than recursion: the rules walk every delivered request, and nested generators cost."""
    stack: list[tuple[bool, Iterator]] = []
    _push(stack, value)
    while stack:
        keyed, items = stack[-1]
        for item in items:
            if keyed:
                key, item = item
                yield str(key).lower(), item
            if isinstance(item, dict | list):
                _push(stack, item)
                break
        else:
            stack.pop()


def _push(stack: list[tuple[bool, Iterator]], value: Any) -> None:
    if isinstance(value, dict):
        stack.append((True, iter(value.items())))
    elif isinstance(value, list):
        stack.append((False, iter(value)))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def instance_types(request: dict) -> list[str]:
    """Every instance type a launch request, launch template or Auto Scaling group names."""
    found = {str(v) for k, v in walk(request) if k == "instancetype" and isinstance(v, str)}
    return sorted(found)


def family_prefix(instance_type: str) -> str:
    """'g4dn.xlarge' -> 'g', 'inf2.xlarge' -> 'inf', 'p3.16xlarge' -> 'p'."""
    match = re.match(r"[a-z]+", instance_type.lower())
    return match.group(0) if match else ""


def is_accelerated(instance_type: str, accelerated: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
    family = instance_type.split(".", 1)[0].lower()
    prefix = family_prefix(instance_type)
    if prefix not in accelerated:
        return False
    return not any(family == a or prefix == a or instance_type == a for a in allowed)


def as_int(value: Any) -> int:
    """A count from a request field: producers send numbers or numeric text; anything else counts as 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def requested_instances(event_name: str, request: dict, response: dict) -> int:
    """How many instances a launch call asked for (or got, if more)."""
    if event_name == "RunInstances":
        items = as_list(as_dict(request.get("instancesSet")).get("items"))
        asked = sum(max(as_int(i.get("minCount")), as_int(i.get("maxCount"))) for i in items if isinstance(i, dict))
        asked = asked or max(as_int(request.get("minCount")), as_int(request.get("maxCount")))
        got = len(as_list(as_dict(response.get("instancesSet")).get("items")))
        return max(asked, got, 1)
    if event_name == "CreateFleet":
        fleet = as_dict(request.get("CreateFleetRequest")) or request
        return as_int(as_dict(fleet.get("TargetCapacitySpecification")).get("TotalTargetCapacity"))
    if event_name in ("RequestSpotInstances", "RunScheduledInstances"):
        return max(as_int(request.get("instanceCount")), 1)
    if event_name == "RequestSpotFleet":
        return as_int(as_dict(request.get("spotFleetRequestConfig")).get("targetCapacity"))
    return 0
