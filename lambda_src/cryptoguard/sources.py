"""Readers for `hunt`: CloudTrail log files ({"Records": [...]}, .json or .json.gz), single EventBridge events,
JSON lines of either, whole directory trees and s3://bucket/prefix. Files are read one at a time, so memory
is bounded by the largest file, not by the archive."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")


class SourceError(Exception):
    """A file or object that cannot be read or is not JSON; hunt reports it and goes on."""


class Batch(NamedTuple):
    """The records of one file (or one JSON line), or the error that kept them from being read. Files come as
    batches, not record by record: hunt loops over millions of records, and every generator level counts."""

    source: str  # file path or s3 URI
    line: int | None  # line of a JSON-lines file
    values: list  # the records (a single event or record is a list of one)
    error: SourceError | None = None
    indexed: bool = True  # the values came from {"Records": [...]} or a list: their index says where

    def origin(self, index: int | None = None) -> str:
        """Where a record came from, for messages: path[:line][#index]. Built only when needed."""
        where = self.source + (f":{self.line}" if self.line is not None else "")
        return where + (f"#{index}" if index is not None and self.indexed else "")


def _failed(source: str, error: SourceError, line: int | None = None) -> Batch:
    return Batch(source, line, [], error)


def _batches_from_bytes(data: bytes, origin: str) -> Iterator[Batch]:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{origin}: not a readable gzip file ({exc})") from None
    if not data.strip():
        return
    try:
        doc = json.loads(data)  # bytes straight to the parser: no decoded copy of a large file
    except (json.JSONDecodeError, UnicodeDecodeError):
        doc = None
    if doc is None:  # JSON lines
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield _expand(json.loads(line), origin, number)
            except json.JSONDecodeError as exc:
                yield _failed(origin, SourceError(f"{origin}:{number}: not JSON ({exc.msg})"), number)
        return
    yield _expand(doc, origin)


def _expand(doc: Any, origin: str, line: int | None = None) -> Batch:
    records = doc.get("Records") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    if isinstance(records, list):
        return Batch(origin, line, records)
    return Batch(origin, line, [doc], indexed=False)


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for directory, subdirs, names in os.walk(path):
            subdirs.sort()
            for name in sorted(names):
                if name.endswith(SUFFIXES):
                    yield Path(directory) / name
    else:
        yield path


def _read_local(path: Path) -> Iterator[Batch]:
    for file in _files(path):
        try:
            data = file.read_bytes()
        except OSError as exc:
            yield _failed(str(file), SourceError(f"{file}: cannot read ({exc.strerror or exc})"))
            continue
        try:
            yield from _batches_from_bytes(data, str(file))
        except SourceError as exc:
            yield _failed(str(file), exc)


def _read_s3(uri: str, s3: Any = None) -> Iterator[Batch]:
    import boto3

    s3 = s3 or boto3.client("s3")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    try:
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    except Exception as exc:  # botocore raises many kinds; all mean the listing failed
        yield _failed(uri, SourceError(f"{uri}: cannot list ({exc})"))
        return
    for page in pages:
        for obj in page.get("Contents", []):
            key = obj["Key"]
            origin = f"s3://{bucket}/{key}"
            if not key.endswith(SUFFIXES):
                continue
            try:
                body: BinaryIO = s3.get_object(Bucket=bucket, Key=key)["Body"]
                data = body.read()
            except Exception as exc:
                yield _failed(origin, SourceError(f"{origin}: cannot read ({exc})"))
                continue
            try:
                yield from _batches_from_bytes(data, origin)
            except SourceError as exc:
                yield _failed(origin, exc)


def read(paths: list[str], s3: Any = None) -> Iterator[Batch]:
    """Every batch of every path, in order. Unreadable inputs come through as batches with an error, so the
    caller reports them and carries on."""
    for path in paths:
        if path.startswith("s3://"):
            yield from _read_s3(path, s3)
        elif not Path(path).exists():
            yield _failed(path, SourceError(f"{path}: no such file or directory"))
        else:
            yield from _read_local(Path(path))
