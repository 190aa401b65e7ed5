"""Correlation windows: what a principal did around a moment. In memory for the CLI (event time, pruned as
it goes, so memory stays flat over long archives); DynamoDB with TTL for the Lambda, whose invocations share
nothing else. Both are keyed by event time, so a replayed archive behaves like live traffic, and both look
both ways in time: EventBridge and SQS do not keep order, so a later call may be evaluated first."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Entry:
    member: str
    at: datetime
    weight: int = 1


def weight(entries: list[Entry]) -> int:
    return sum(e.weight for e in entries)


def densest(
    entries: list[Entry], at: datetime, window: timedelta, score: Callable[[list[Entry]], int] = weight
) -> list[Entry]:
    """The entries of the busiest `window`-long interval that contains `at`: "N calls within W minutes" holds
    exactly when this scores N, whatever order the calls arrived in."""
    ordered = sorted(entries, key=lambda e: e.at)
    best: list[Entry] = []
    best_score, end = 0, 0
    for i, start in enumerate(ordered):
        if start.at > at:
            break
        end = max(end, i)
        while end < len(ordered) and ordered[end].at <= start.at + window:
            end += 1
        if start.at < at - window:
            continue
        span = ordered[i:end]
        span_score = score(span)
        if span_score > best_score:
            best, best_score = span, span_score
    return best


def busiest(
    entries: list[Entry], at: datetime, window: timedelta, threshold: int, score: Callable[[list[Entry]], int] = weight
) -> tuple[int, list[Entry]]:
    """The score of the busiest `window`-long run of entries that includes `at`, and that run. Scores are
    monotone (more entries never score less), so when everything within `window` either side scores under
    `threshold`, no run can reach it and the search is skipped."""
    bound = score(entries)
    if bound < threshold:
        return bound, entries
    run = densest(entries, at, window, score)
    return score(run), run


class WindowStore(Protocol):
    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        """Record `member` under `key` at `at`; return every entry of `key` within `window` of `at`, before or
        after (this one included). Adding the same member at the same time twice counts it once."""

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        """The entries of `key` within `window` of `at` (either side), without adding one."""

    def claim(self, key: str, window: timedelta) -> bool:
        """True the first time `key` is claimed within `window`: the idempotency check that makes duplicate
        deliveries (overlapping rules, SQS at-least-once) cost nothing. The pipeline claims with a short lease
        (the invocation's remaining time) and extends it with `claim_for` only once the alerts the event led
        to are sent, so an invocation that dies mid-batch holds nothing when SQS delivers the batch again."""

    def claim_for(self, key: str, window: timedelta) -> None:
        """Hold an existing claim for `window` from now (the commit of a lease)."""

    def release(self, key: str) -> None:
        """Undo a claim, so that a retried event is evaluated again."""

    def count(self, key: str, at: datetime, window: timedelta) -> int:
        """The incident counter `key` as `bump` left it (0 when absent or expired)."""

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        """Add `count` to the incident counter `key` (which expires after `window`); return the count before."""


class _Series:
    """One key's entries in time order, with a set to drop exact repeats: bisect for ranges, O(log n) adds."""

    __slots__ = ("times", "entries", "seen")

    def __init__(self) -> None:
        self.times: list[datetime] = []
        self.entries: list[Entry] = []
        self.seen: set[tuple[str, datetime]] = set()

    def add(self, entry: Entry) -> None:
        if (entry.member, entry.at) in self.seen:
            return
        self.seen.add((entry.member, entry.at))
        index = bisect.bisect_right(self.times, entry.at)  # the end, unless events arrived out of order
        self.times.insert(index, entry.at)
        self.entries.insert(index, entry)

    def between(self, lo: datetime, hi: datetime) -> list[Entry]:
        return self.entries[bisect.bisect_left(self.times, lo) : bisect.bisect_right(self.times, hi)]

    def prune(self, before: datetime) -> None:
        cut = bisect.bisect_left(self.times, before)
        if cut:
            for e in self.entries[:cut]:
                self.seen.discard((e.member, e.at))
            del self.times[:cut], self.entries[:cut]


class MemoryStore:
    """`max_window`: the longest window any rule asks for; older entries are dropped as newer ones arrive."""

    def __init__(self, max_window: timedelta = timedelta(hours=2)) -> None:
        self._series: dict[str, _Series] = {}
        self._counters: dict[str, tuple[int, datetime]] = {}
        self._claims: dict[str, float] = {}
        self._max_window = max_window
        self._adds = 0
        self._newest: datetime | None = None

    def cover(self, window: timedelta) -> None:
        """Keep entries at least this long (the longest window the settings ask for)."""
        self._max_window = max(self._max_window, window)

    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series()
        series.add(Entry(member, at, weight))
        series.prune(series.times[-1] - 2 * self._max_window)
        self._newest = at if self._newest is None else max(self._newest, at)
        self._adds += 1
        if self._adds % 50_000 == 0:
            self._prune(self._newest)
        return series.between(at - window, at + window)

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        series = self._series.get(key)
        return series.between(at - window, at + window) if series else []

    def claim(self, key: str, window: timedelta) -> bool:
        now = time.monotonic()
        if len(self._claims) > 200_000:  # forget claims older than their window
            self._claims = {k: t for k, t in self._claims.items() if t > now}
        if self._claims.get(key, 0) > now:
            return False
        self._claims[key] = now + window.total_seconds()
        return True

    def claim_for(self, key: str, window: timedelta) -> None:
        self._claims[key] = time.monotonic() + window.total_seconds()

    def release(self, key: str) -> None:
        self._claims.pop(key, None)

    def count(self, key: str, at: datetime, window: timedelta) -> int:
        before, since = self._counters.get(key, (0, at))
        return 0 if at - since > window else before

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        before, since = self._counters.get(key, (0, at))
        if at - since > window:
            before, since = 0, at
        self._counters[key] = (before + count, since)
        return before

    def _prune(self, now: datetime) -> None:
        """Drop whole keys (principals) not seen for a while, so memory stays flat over long archives."""
        horizon = now - 2 * self._max_window
        for key in [k for k, s in self._series.items() if not s.times or s.times[-1] < horizon]:
            del self._series[key]
        for key in [k for k, (_, since) in self._counters.items() if since < horizon - self._max_window]:
            del self._counters[key]


class DynamoStore:
    """Table: partition key `pk` (S), sort key `sk` (S), TTL attribute `expires_at` (N)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        import boto3

        self._table = table_name
        self._ddb = client or boto3.client("dynamodb")

    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        sort = f"{at.isoformat()}#{member}"
        self._ddb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": key},
                "sk": {"S": sort},
                "weight": {"N": str(weight)},
                "expires_at": {"N": str(int(time.time() + window.total_seconds() + 3600))},
            },
        )
        return self.recent(key, at, window)

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        pages = self._ddb.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :k AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":k": {"S": key},
                ":lo": {"S": (at - window).isoformat()},
                ":hi": {"S": (at + window).isoformat() + "#\uffff"},
            },
        )
        entries = []
        for page in pages:
            for item in page["Items"]:
                stamp, _, name = item["sk"]["S"].partition("#")
                entries.append(Entry(name, datetime.fromisoformat(stamp), int(item["weight"]["N"])))
        return entries

    def claim(self, key: str, window: timedelta) -> bool:
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"claim#{key}"},
                    "sk": {"S": "claim"},
                    "expires_at": {"N": str(int(time.time() + window.total_seconds()))},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(int(time.time()))}},
            )
            return True
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False

    def claim_for(self, key: str, window: timedelta) -> None:
        self._ddb.put_item(
            TableName=self._table,
            Item={
                "pk": {"S": f"claim#{key}"},
                "sk": {"S": "claim"},
                "expires_at": {"N": str(int(time.time() + window.total_seconds()))},
            },
        )

    def release(self, key: str) -> None:
        self._ddb.delete_item(TableName=self._table, Key={"pk": {"S": f"claim#{key}"}, "sk": {"S": "claim"}})

    @staticmethod
    def _counter_key(key: str, at: datetime, window: timedelta) -> dict:
        # One counter per window-sized time bucket: TTL deletion lags by hours, so expiry alone can't end it.
        bucket = int(at.timestamp() // max(window.total_seconds(), 1))
        return {"pk": {"S": f"incident#{key}"}, "sk": {"S": f"counter#{bucket}"}}

    def count(self, key: str, at: datetime, window: timedelta) -> int:
        item = self._ddb.get_item(
            TableName=self._table, Key=self._counter_key(key, at, window), ConsistentRead=True
        ).get("Item")
        return int(item["count"]["N"]) if item else 0

    def bump(self, key: str, count: int, at: datetime, window: timedelta) -> int:
        result = self._ddb.update_item(
            TableName=self._table,
            Key=self._counter_key(key, at, window),
            UpdateExpression="ADD #c :n SET expires_at = if_not_exists(expires_at, :ttl)",
            ExpressionAttributeNames={"#c": "count"},
            ExpressionAttributeValues={
                ":n": {"N": str(count)},
                ":ttl": {"N": str(int(time.time() + window.total_seconds()))},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(result["Attributes"]["count"]["N"]) - count
