"""Which files `hunt` reads, in which order: CloudTrail archives on disk or in S3 (s3://bucket/prefix), single
files, and `-` for standard input.

The trail layout is `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/` with files named
`<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`, the time being the file's delivery. The
filters (--account, --region, --since, --until) are applied to these folders and names while listing, so a file
outside them is never listed further or fetched; `CloudTrail-Digest/` and the other non-log folders are passed
over quietly. Files come out sorted by the earliest time their records can have been delivered (hunt.py relies
on that to put records back in time order), each stream of a folder listed lazily, so a year of keys is never
held at once.
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")
STDIN = "-"
LOG_FOLDER = "CloudTrail"  # beside it: CloudTrail-Digest (signatures), CloudTrail-Insight: not management events
ACCOUNT = re.compile(r"^\d{12}$")
ORGANIZATION = re.compile(r"^o-[a-z0-9]{10,32}$")
LOG_NAME = re.compile(r"^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_")
EARLIEST = datetime.min.replace(tzinfo=UTC)


class SourceError(Exception):
    """A file or object that cannot be read; hunt reports it and goes on."""


@dataclass(frozen=True)
class Filters:
    """What the user asked to hunt: a time range and some accounts and regions (empty: all). `slack`: how long
    after an event CloudTrail may deliver it, so files delivered up to `until + slack` are still read."""

    since: datetime | None = None
    until: datetime | None = None
    accounts: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    slack: timedelta = timedelta(hours=1)

    def account(self, value: str) -> bool:
        return not self.accounts or value in self.accounts

    def region(self, value: str) -> bool:
        return not self.regions or value in self.regions

    def day(self, value: date) -> bool:
        """Could the folder of this delivery day hold events in range? Delivery comes after the event, so the
        day of `since` is the first; events up to `until` may be delivered until `until + slack`."""
        if self.since is not None and value < self.since.date():
            return False
        return self.until is None or value <= (self.until + self.slack).date()

    def delivered(self, at: datetime) -> bool:
        """Could a file delivered at `at` hold events in range? It holds events from before `at` only."""
        if self.since is not None and at < self.since:
            return False
        return self.until is None or at <= self.until + self.slack

    def admits(self, account: str, region: str, at: datetime) -> bool:
        """The record-level filter: exact, whatever the layout."""
        return (
            self.account(account)
            and self.region(region)
            and (self.since is None or at >= self.since)
            and (self.until is None or at <= self.until)
        )


class Source(NamedTuple):
    """One file to read. `bound`: the earliest its records can have been delivered (the name's delivery time,
    else its folder's day, else the beginning of time); sources are read in (bound, uri) order. `error`: why a
    listing stopped short, reported by hunt as an unreadable input."""

    bound: datetime
    uri: str
    error: str = ""


def describe(name: str, parents: Iterable[str]) -> tuple[datetime, bool, str, str]:
    """(bound, in the trail layout, account, region) of a file from its name and the folders above it."""
    match = LOG_NAME.match(name)
    if match:
        account, region, stamp = match.groups()
        # YYYYMMDDTHHmmZ, sliced: strptime would be the slowest step of listing a large archive.
        try:
            at = datetime(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]), int(stamp[11:13]))
        except ValueError:
            return EARLIEST, False, "", ""
        return at.replace(tzinfo=UTC), True, account, region
    day = _day(list(parents)[-3:])
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=UTC), False, "", ""
    return EARLIEST, False, "", ""


def wanted(name: str, parents: list[str], filters: Filters, in_log_folder: bool = False) -> Source | None:
    """The source for a listed file, or None when hunt should pass it over (not a log, in a digest or other
    non-log folder, or outside the filters). `in_log_folder`: the walk already knows it is under CloudTrail/."""
    if not name.endswith(SUFFIXES):
        return None
    if not in_log_folder and any(p.startswith(LOG_FOLDER + "-") for p in parents):
        return None
    bound, named, account, region = describe(name, parents)
    if named and not (filters.account(account) and filters.region(region) and filters.delivered(bound)):
        return None
    return Source(bound, "/".join([*parents, name]))


class Tree:
    """A folder hierarchy that can be listed: the local disk or an S3 bucket. `children` gives the sub-folders
    and files of a folder, sorted; `files_from` lists every file below a folder, from a key on."""

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError

    def files_from(self, folder: str, start_after: str) -> Iterator[str]:
        """Every file below `folder` in key order, after `start_after` (relative paths)."""
        subfolders, files = self.children(folder)
        for name in files:
            if name > start_after:
                yield name
        for sub in subfolders:
            if sub + "/" >= start_after[: len(sub) + 1]:
                yield from (f"{sub}/{f}" for f in self.files_from(f"{folder}/{sub}", _after(start_after, sub)))


def _after(start_after: str, sub: str) -> str:
    head, _, rest = start_after.partition("/")
    return rest if head == sub else ""


class LocalTree(Tree):
    def children(self, folder: str) -> tuple[list[str], list[str]]:
        folders, files = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    (folders if entry.is_dir() else files).append(entry.name)
        except OSError as exc:  # reported as an unreadable input, never silently an empty folder
            raise SourceError(f"{folder}: cannot list ({exc.strerror or exc})") from None
        return sorted(folders), sorted(files)


class S3Tree(Tree):
    """A bucket as folders: `Delimiter` listings above the day folders, one listing from a key on below."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    def children(self, folder: str) -> tuple[list[str], list[str]]:
        prefix = folder + "/" if folder else ""
        folders, files = [], []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        ):
            folders += [p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
            files += [o["Key"][len(prefix) :] for o in page.get("Contents", [])]
        return folders, files

    def files_from(self, folder: str, start_after: str) -> Iterator[str]:
        prefix = folder + "/"
        args = {"Bucket": self.bucket, "Prefix": prefix}
        if start_after:
            args["StartAfter"] = prefix + start_after
        for page in self.client.get_paginator("list_objects_v2").paginate(**args):  # lazily, page by page
            for obj in page.get("Contents", []):
                yield obj["Key"][len(prefix) :]


def _region_stream(tree: Tree, folder: str, parents: list[str], filters: Filters) -> Iterator[Source]:
    """The files of one account's region folder (yyyy/mm/dd below it), in delivery order, from `since` on."""
    start = f"{filters.since:%Y/%m/%d}" if filters.since else ""
    try:
        for relative in tree.files_from(folder, start):
            *days, name = relative.split("/")
            day = _day(days)
            if day is not None and not filters.day(day):
                if filters.since is None or day >= filters.since.date():
                    return  # keys come in date order: nothing after this is in range
                continue
            source = wanted(name, [*parents, *days], filters, in_log_folder=True)
            if source is not None:
                yield source
    except Exception as exc:  # botocore raises many kinds; hunt reports it and reads the other streams
        uri = "/".join(parents)
        yield Source(EARLIEST, uri, str(exc) if isinstance(exc, SourceError) else f"{uri}: cannot list ({exc})")


def _day(folders: list[str]) -> date | None:
    if len(folders) == 3 and all(f.isdigit() for f in folders):
        try:
            return date(int(folders[0]), int(folders[1]), int(folders[2]))
        except ValueError:
            return None
    return None


def _streams(tree: Tree, folder: str, parents: list[str], filters: Filters) -> Iterator[Iterator[Source]]:
    """Walk down to the region folders of the trail layout, filtering accounts, regions and non-log folders on
    the way; each region folder is one time-ordered stream, and the loose files of any other folder another."""
    subfolders, files = tree.children(folder)
    loose = sorted(s for s in (wanted(name, parents, filters) for name in files) if s is not None)
    if loose:
        yield iter(loose)
    above = parents[-1] if parents else ""
    for sub in subfolders:
        path = f"{folder}/{sub}" if folder else sub
        if above == LOG_FOLDER and len(parents) >= 2 and ACCOUNT.match(parents[-2]):
            if filters.region(sub):
                yield _region_stream(tree, path, [*parents, sub], filters)
            continue
        if ACCOUNT.match(sub) and (above == "AWSLogs" or ORGANIZATION.match(above)) and not filters.account(sub):
            continue
        if ACCOUNT.match(above) and sub != LOG_FOLDER:
            continue  # CloudTrail-Digest, CloudTrail-Insight, Config...: not management events
        yield from _streams(tree, path, [*parents, sub], filters)


def listing(paths: list[str], filters: Filters) -> Iterator[Source]:
    """Every source under `paths` that the filters leave, in (bound, uri) order. A missing path or an S3 prefix
    that cannot be listed raises SourceError before anything is read."""
    streams: list[Iterator[Source]] = []
    for path in paths:
        if path == STDIN:
            streams.append(iter([Source(EARLIEST, STDIN)]))
        elif path.startswith("s3://"):
            bucket, _, prefix = path[len("s3://") :].partition("/")
            streams.extend(_s3_streams(S3Tree(s3_client(), bucket), prefix.strip("/"), filters))
        elif Path(path).is_dir():
            root = path.rstrip("/") or "/"
            streams.extend(_streams(LocalTree(), root, root.split("/"), filters))
        elif Path(path).exists():
            parts = path.split("/")
            source = wanted(parts[-1], parts[:-1], Filters()) or Source(EARLIEST, path)  # named: always read
            streams.append(iter([source]))
        else:
            raise SourceError(f"{path}: no such file or directory")
    return heapq.merge(*streams)


def _s3_streams(tree: S3Tree, prefix: str, filters: Filters) -> list[Iterator[Source]]:
    """The walk joins folders with '/', so parents starting at s3://bucket give each object's URI."""
    try:
        return list(_streams(tree, prefix, [f"s3://{tree.bucket}", *(prefix.split("/") if prefix else [])], filters))
    except Exception as exc:  # botocore raises many kinds; all mean the listing failed
        raise SourceError(f"s3://{tree.bucket}/{prefix}: cannot list ({exc})") from None


@cache
def s3_client() -> Any:
    """One client per process (hunt's workers each make theirs)."""
    import boto3

    from cryptoguard.sessions import ADAPTIVE_RETRIES

    return boto3.client("s3", config=ADAPTIVE_RETRIES)


def fetch(uri: str, s3: Any = None) -> bytes:
    """The bytes of one file or S3 object (standard input is hunt's to read, a slice at a time); SourceError
    with the reason when they cannot be had. `s3`: a client other than this process's own."""
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://") :].partition("/")
        try:
            return (s3 or s3_client()).get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            raise SourceError(f"{uri}: cannot read ({exc})") from None
    try:
        return Path(uri).read_bytes()
    except OSError as exc:
        raise SourceError(f"{uri}: cannot read ({exc.strerror or exc})") from None
