"""Correlation windows: what a principal did around a moment. In memory for the CLI (event time, pruned as
it goes, so memory stays flat over long archives); DynamoDB with TTL for the Lambda, whose invocations share
nothing else. Both are keyed by event time, so a replayed archive behaves like live traffic, and both look
both ways in time: EventBridge and SQS do not keep order, so a later call may be evaluated first."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Entry:
    member: str
    at: datetime
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Bucket:
    """What one key recorded in one second: the summed weight, and the weight per group (a region, say).
    CloudTrail times are whole seconds, so a window counted in buckets is exactly one counted by call."""

    second: int
    total: int
    groups: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Run:
    """The busiest window-long run of buckets that contains a moment: its score (total weight, or the number
    of distinct groups), its total weight, its groups, and its first and last second."""

    score: int
    total: int
    groups: tuple[str, ...]
    start: int
    end: int


def heaviest(buckets: list[Bucket], at: datetime, window: timedelta, distinct_groups: bool = False) -> Run:
    """The busiest `window`-long run of `buckets` (in time order) that includes `at`: "N calls within W
    minutes" holds exactly when its score is N, whatever order the calls arrived in. Two pointers over at most
    2W seconds of buckets: the cost per call depends on the window, never on how many calls it holds."""
    second, span = int(at.timestamp()), int(window.total_seconds())
    best = Run(0, 0, (), second, second)
    end, total, groups = 0, 0, Counter()
    for i, start in enumerate(buckets):
        if start.second > second:
            break
        end = max(end, i)
        while end < len(buckets) and buckets[end].second <= start.second + span:
            total += buckets[end].total
            groups.update(dict(buckets[end].groups))
            end += 1
        if start.second >= second - span:
            score = sum(1 for w in groups.values() if w > 0) if distinct_groups else total
            if score > best.score:
                run_groups = tuple(sorted(g for g, w in groups.items() if w > 0))
                best = Run(score, total, run_groups, start.second, buckets[end - 1].second)
        total -= start.total
        groups.subtract(dict(start.groups))
    return best


class WindowStore(Protocol):
    def add(self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1) -> list[Entry]:
        """Record `member` under `key` at `at`; return every entry of `key` within `window` of `at`, before or
        after (this one included). Adding the same member at the same time twice counts it once."""

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        """The entries of `key` within `window` of `at` (either side), without adding one."""

    def tally(
        self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1, group: str = ""
    ) -> list[Bucket]:
        """Count `member` (once, however often it is recorded) with `weight` under `key` in the second of `at`,
        and in `group`; return the buckets of `key` within `window` of `at`, in time order. For bursts: the
        cost is per second of window, not per call in it."""

    def members(self, key: str, start: int, end: int, limit: int) -> list[str]:
        """Up to `limit` members tallied under `key` from second `start` to second `end`, by second and then
        by name."""

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


class _Tally:
    """One key's buckets by second, in time order, and the members counted in each."""

    __slots__ = ("seconds", "buckets", "members")

    def __init__(self) -> None:
        self.seconds: list[int] = []
        self.buckets: dict[int, list] = {}  # second -> [total, {group: weight}]
        self.members: dict[int, set[str]] = {}  # second -> members counted in it

    def add(self, second: int, member: str, weight: int, group: str) -> None:
        members = self.members.get(second)
        if members is None:
            bisect.insort(self.seconds, second)  # at the end unless the call arrived out of order
            members = self.members[second] = set()
            self.buckets[second] = [0, {}]
        if member in members:
            return
        members.add(member)
        bucket = self.buckets[second]
        bucket[0] += weight
        if group:
            bucket[1][group] = bucket[1].get(group, 0) + weight

    def between(self, lo: int, hi: int) -> list[Bucket]:
        seconds = self.seconds[bisect.bisect_left(self.seconds, lo) : bisect.bisect_right(self.seconds, hi)]
        return [Bucket(s, self.buckets[s][0], tuple(sorted(self.buckets[s][1].items()))) for s in seconds]

    def prune(self, before: int) -> None:
        cut = bisect.bisect_left(self.seconds, before)
        for second in self.seconds[:cut]:
            del self.buckets[second], self.members[second]
        del self.seconds[:cut]


class MemoryStore:
    """`max_window`: the longest window any rule asks for; older entries are dropped as newer ones arrive."""

    def __init__(self, max_window: timedelta = timedelta(hours=2)) -> None:
        self._tallies: dict[str, _Tally] = {}
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
        self._note(at)
        return series.between(at - window, at + window)

    def _note(self, at: datetime) -> None:
        self._newest = at if self._newest is None else max(self._newest, at)
        self._adds += 1
        if self._adds % 50_000 == 0:
            self._prune(self._newest)

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        series = self._series.get(key)
        return series.between(at - window, at + window) if series else []

    def tally(
        self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1, group: str = ""
    ) -> list[Bucket]:
        tally = self._tallies.get(key)
        if tally is None:
            tally = self._tallies[key] = _Tally()
        second, span = int(at.timestamp()), int(window.total_seconds())
        tally.add(second, member, weight, group)
        tally.prune(tally.seconds[-1] - 2 * int(self._max_window.total_seconds()))
        self._note(at)
        return tally.between(second - span, second + span)

    def members(self, key: str, start: int, end: int, limit: int) -> list[str]:
        tally = self._tallies.get(key)
        found: list[str] = []
        for second in tally.seconds[bisect.bisect_left(tally.seconds, start) :] if tally else []:
            if second > end or len(found) >= limit:
                break
            found += sorted(tally.members[second])[: limit - len(found)]  # as DynamoDB sorts them
        return found

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
        for key in [k for k, t in self._tallies.items() if not t.seconds or t.seconds[-1] < horizon.timestamp()]:
            del self._tallies[key]
        for key in [k for k, (_, since) in self._counters.items() if since < horizon - self._max_window]:
            del self._counters[key]


class DynamoStore:
    """Table: partition key `pk` (S), sort key `sk` (S), TTL attribute `expires_at` (N)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        import boto3

        self._table = table_name
        self._ddb = client or boto3.client("dynamodb")

    @staticmethod
    def create_table(client: Any, name: str) -> str:
        """The table as modules/detection creates it (on demand; TTL is Terraform's), for tests and benches."""
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        return name

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

    def _between(self, pk: str, low: str, high: str, **options: Any) -> Iterator[dict]:
        """The items of partition `pk` whose sort key lies between `low` and `high`, across pages."""
        for page in self._ddb.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :k AND sk BETWEEN :lo AND :hi",
            ExpressionAttributeValues={":k": {"S": pk}, ":lo": {"S": low}, ":hi": {"S": high}},
            **options,
        ):
            yield from page["Items"]

    def recent(self, key: str, at: datetime, window: timedelta) -> list[Entry]:
        entries = []
        for item in self._between(key, (at - window).isoformat(), (at + window).isoformat() + "#\uffff"):
            stamp, _, name = item["sk"]["S"].partition("#")
            entries.append(Entry(name, datetime.fromisoformat(stamp), int(item["weight"]["N"])))
        return entries

    def tally(
        self, key: str, member: str, at: datetime, window: timedelta, weight: int = 1, group: str = ""
    ) -> list[Bucket]:
        # One item per member (its condition makes a repeat count nothing) and one counter item per second,
        # written together; reads then fetch at most one small item per second of the window.
        second, span = int(at.timestamp()), int(window.total_seconds())
        expires = {"N": str(int(time.time() + window.total_seconds() + 3600))}
        names, values = {"#t": "total"}, {":w": {"N": str(weight)}, ":ttl": expires}
        update = "ADD #t :w"
        if group:
            names["#g"] = f"g:{group}"
            update += ", #g :w"
        try:
            self._ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                "pk": {"S": f"members#{key}"},
                                "sk": {"S": f"{second:012d}#{member}"},
                                "expires_at": expires,
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"pk": {"S": f"tally#{key}"}, "sk": {"S": f"{second:012d}"}},
                            "UpdateExpression": update + " SET expires_at = if_not_exists(expires_at, :ttl)",
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": values,
                        }
                    },
                ]
            )
        except self._ddb.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons[:1] != ["ConditionalCheckFailed"]:
                raise  # a conflict or throttle: the caller retries the event
        buckets = []
        for item in self._between(
            f"tally#{key}", f"{second - span:012d}", f"{second + span:012d}", ConsistentRead=True
        ):
            groups = tuple(sorted((k[2:], int(v["N"])) for k, v in item.items() if k.startswith("g:")))
            buckets.append(Bucket(int(item["sk"]["S"]), int(item["total"]["N"]), groups))
        return buckets

    def members(self, key: str, start: int, end: int, limit: int) -> list[str]:
        items = self._between(
            f"members#{key}",
            f"{start:012d}",
            f"{end:012d}#\uffff",
            ProjectionExpression="sk",
            PaginationConfig={"MaxItems": limit},
        )
        return [item["sk"]["S"].split("#", 1)[1] for item in items][:limit]

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
