"""Readers for `hunt`: CloudTrail log files ({"Records": [...]}, .json or .json.gz), single EventBridge events,
JSON lines of either, whole directory trees and s3://bucket/prefix. Files are read one at a time, so memory
is bounded by the largest file, not by the archive."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")


class SourceError(Exception):
    """A file or object that cannot be read or is not JSON; hunt reports it and goes on."""


@dataclass(frozen=True)
class Item:
    origin: str  # file path or s3 URI, with the line or record index
    value: Any


def _items_from_bytes(data: bytes, origin: str) -> Iterator[Item]:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{origin}: not a readable gzip file ({exc})") from None
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if doc is None:  # JSON lines
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield from _expand(json.loads(line), f"{origin}:{number}")
            except json.JSONDecodeError as exc:
                yield Item(f"{origin}:{number}", SourceError(f"{origin}:{number}: not JSON ({exc.msg})"))
        return
    yield from _expand(doc, origin)


def _expand(doc: Any, origin: str) -> Iterator[Item]:
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        for index, record in enumerate(doc["Records"]):
            yield Item(f"{origin}#{index}", record)
    elif isinstance(doc, list):
        for index, record in enumerate(doc):
            yield Item(f"{origin}#{index}", record)
    else:
        yield Item(origin, doc)


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for directory, subdirs, names in os.walk(path):
            subdirs.sort()
            for name in sorted(names):
                if name.endswith(SUFFIXES):
                    yield Path(directory) / name
    else:
        yield path


def _read_local(path: Path) -> Iterator[Item]:
    for file in _files(path):
        try:
            data = file.read_bytes()
        except OSError as exc:
            yield Item(str(file), SourceError(f"{file}: cannot read ({exc.strerror or exc})"))
            continue
        try:
            yield from _items_from_bytes(data, str(file))
        except SourceError as exc:
            yield Item(str(file), exc)


def _read_s3(uri: str, s3: Any = None) -> Iterator[Item]:
    import boto3

    s3 = s3 or boto3.client("s3")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    try:
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix))
    except Exception as exc:  # botocore raises many kinds; all mean the listing failed
        yield Item(uri, SourceError(f"{uri}: cannot list ({exc})"))
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
                yield Item(origin, SourceError(f"{origin}: cannot read ({exc})"))
                continue
            try:
                yield from _items_from_bytes(data, origin)
            except SourceError as exc:
                yield Item(origin, exc)


def read(paths: list[str], s3: Any = None) -> Iterator[Item]:
    """Every item of every path, in order. Unreadable inputs come through as Items whose value is a
    SourceError, so the caller reports them and carries on."""
    for path in paths:
        if path.startswith("s3://"):
            yield from _read_s3(path, s3)
        elif not Path(path).exists():
            yield Item(path, SourceError(f"{path}: no such file or directory"))
        else:
            yield from _read_local(Path(path))
