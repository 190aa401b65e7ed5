"""Correlation windows: what a principal did around a moment. In memory for the CLI (event time, pruned as
it goes, so memory stays flat over long archives); DynamoDB with TTL for the Lambda, whose invocations share
nothing else. Both are keyed by event time, so a replayed archive behaves like live traffic, and both look
both ways in time: EventBridge and SQS do not keep order, so a later call may be evaluated first."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Callable
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Entry:
    member: str
    at: datetime
    weight: int = 1


def weight(entries: list[Entry]) -> int:
    return sum(e.weight for e in entries)


def densest(entries: list[Entry], at: datetime, window: timedelta,
            score: Callable[[list[Entry]], int] = weight) -> list[Entry]:
    """The entries of the busiest `window`-long interval that contains `at`: "N calls within W minutes" holds
    exactly when this scores N, whatever order the calls arrived in."""
    ordered = sorted(entries, key=lambda e: e.at)
    best: list[Entry] = []
    for i, start in enumerate(ordered):
        if start.at > at or start.at < at - window:
            continue
        span = [e for e in ordered[i:] if e.at <= start.at + window]
        if score(span) > score(best):
            best = span
    return best


class WindowStore(Protocol):
    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        """Record `member` under `key` at `at`; return every entry of `key` within `window` of `at`, before or
        after (this one included). Adding the same member at the same time twice counts it once."""

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        """The entries of `key` within `window` of `at` (either side), without adding one."""

    def claim(self, key: str, window: timedelta) -> bool:
        """True the first time `key` is claimed within `window`: the idempotency check that makes duplicate
        deliveries (overlapping rules, SQS at-least-once) cost nothing."""

    def release(self, key: str) -> None:
        """Undo a claim, so that a retried event is evaluated again."""

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        """Add `count` to the incident counter `key` (which expires after `window`); return the count before."""


class MemoryStore:
    def __init__(self, max_window: timedelta = timedelta(hours=24)) -> None:
        self._entries: dict[str, deque[Entry]] = defaultdict(deque)
        self._counters: dict[str, tuple[int, datetime]] = {}
        self._claims: dict[str, float] = {}
        self._max_window = max_window
        self._adds = 0

    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        entries = self._entries[key]
        if not any(e.member == member and e.at == at for e in entries):
            entries.append(Entry(member, at, weight))
            if len(entries) > 1 and entries[-2].at > at:  # keep time order when events arrive out of order
                ordered = sorted(entries, key=lambda e: e.at)
                entries.clear()
                entries.extend(ordered)
        while entries and entries[0].at < entries[-1].at - self._max_window:
            entries.popleft()
        self._adds += 1
        if self._adds % 50_000 == 0:
            self._prune(at)
        return self.recent(key, at, window)

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        return [e for e in self._entries.get(key, ()) if at - window <= e.at <= at + window]

    def claim(self, key: str, window: timedelta) -> bool:
        now = time.monotonic()
        if len(self._claims) > 200_000:  # hunt over long archives: forget claims older than their window
            self._claims = {k: t for k, t in self._claims.items() if t > now}
        if self._claims.get(key, 0) > now:
            return False
        self._claims[key] = now + window.total_seconds()
        return True

    def release(self, key: str) -> None:
        self._claims.pop(key, None)

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        before, since = self._counters.get(key, (0, at))
        if at - since > window:
            before, since = 0, at
        self._counters[key] = (before + count, since)
        return before

    def _prune(self, now: datetime) -> None:
        horizon = now - self._max_window
        for key in [k for k, v in self._entries.items() if not v or v[-1].at < horizon]:
            del self._entries[key]
        for key in [k for k, (_, since) in self._counters.items() if since < horizon]:
            del self._counters[key]


class DynamoStore:
    """Table: partition key `pk` (S), sort key `sk` (S), TTL attribute `expires_at` (N)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        import boto3

        self._table = table_name
        self._ddb = client or boto3.client("dynamodb")

    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        sort = f"{at.isoformat()}#{member}"
        self._ddb.put_item(TableName=self._table, Item={
            "pk": {"S": key}, "sk": {"S": sort}, "weight": {"N": str(weight)},
            "expires_at": {"N": str(int(time.time() + window.total_seconds() + 3600))},
        })
        return self.recent(key, at, window)

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self._table, KeyConditionExpression="pk = :k AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":k": {"S": key}, ":lo": {"S": (at - window).isoformat()},
                                       ":hi": {"S": (at + window).isoformat() + "#\uffff"}})
        entries = []
        for page in pages:
            for item in page["Items"]:
                stamp, _, name = item["sk"]["S"].partition("#")
                entries.append(Entry(name, datetime.fromisoformat(stamp), int(item["weight"]["N"])))
        return entries

    def claim(self, key: str, window: timedelta) -> bool:
        try:
            self._ddb.put_item(TableName=self._table, Item={
                "pk": {"S": f"claim#{key}"}, "sk": {"S": "claim"},
                "expires_at": {"N": str(int(time.time() + window.total_seconds()))}},
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(int(time.time()))}})
            return True
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False

    def release(self, key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key={"pk": {"S": f"claim#{key}"}, "sk": {"S": "claim"}})

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        # One counter per window-sized time bucket: TTL deletion lags by hours, so expiry alone can't end it.
        bucket = int(at.timestamp() // max(window.total_seconds(), 1))
        result = self._ddb.update_item(
            TableName=self._table, Key={"pk": {"S": f"incident#{key}"}, "sk": {"S": f"counter#{bucket}"}},
            UpdateExpression="ADD #c :n SET expires_at = if_not_exists(expires_at, :ttl)",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={":n": {"N": str(count)},
                                       ":ttl": {"N": str(int(time.time() + window.total_seconds()))}},
            ReturnValues="UPDATED_NEW")
        return int(result["Attributes"]["count"]["N"]) - count
