"""JSON from places anyone can write to (a shared event bus, an archive), parsed within bounds: hostile shapes
(Infinity, thousand-digit numbers, deep nesting) become MalformedEvent with a reason, never a crash or a
RecursionError that takes a whole batch or hunt down. The Lambda's pipeline and `hunt` share it."""

from __future__ import annotations

import json
from typing import Any

from cryptoguard.records import MalformedEvent

MAX_INT_DIGITS = 40  # any real count, size or id fits; Python refuses parsing beyond 4,300 digits anyway
MAX_DEPTH = 64  # CloudTrail records nest a dozen levels; json would recurse until RecursionError
_LARGEST_INT = 10**MAX_INT_DIGITS


class NotJSON(MalformedEvent):
    """The text is not JSON at all (as opposed to JSON out of bounds); `reason` is the decoder's, such as
    "Expecting value", for callers that try another reading (hunt falls back to JSON lines)."""

    def __init__(self, what: str, exc: ValueError) -> None:
        super().__init__(f"{what} is not JSON: {exc}")
        self.reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedEvent(f"number out of range: {text[:40]}")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise MalformedEvent(f"integer of {len(text)} digits")
    return int(text)


def _no_constant(name: str) -> Any:
    raise MalformedEvent(f"non-finite number {name} (not JSON)")


def check(value: Any, what: str = "message body") -> Any:
    """`value` if it is within the bounds the parser enforces (for values another parser produced)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedEvent(f"{what} nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, int) and not isinstance(node, bool) and abs(node) >= _LARGEST_INT:
                raise MalformedEvent(f"integer of {len(str(node))} digits")
            continue
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | int))
    return value


def loads(text: str | bytes, what: str = "message body") -> Any:
    """Parse `text`; MalformedEvent (naming `what`) for anything that is not bounded, finite JSON."""
    try:
        value = json.loads(text, parse_float=_finite, parse_int=_bounded_int, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotJSON(what, exc) from None
    except RecursionError:
        raise MalformedEvent(f"{what} nested deeper than {MAX_DEPTH} levels") from None
    return check(value, what)
