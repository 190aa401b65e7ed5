"""One archive file for `hunt`: its bytes in; the records the deployed rules would have been delivered, the
malformed ones with their reasons, and counts out. Worker processes run it, so it touches no AWS and no rule
state, and its result pickles.

Fast path, when the optional libraries are installed (requirements/dev.txt): ISA-L gunzip; msgspec splits a
`{"Records": [...]}` document into raw records and reads only the four fields the gate needs; only the few
candidates are parsed in full (msgspec too: it keeps big integers exact, as the standard library does).
Whatever the fast path refuses is done again by the standard library, bounded as the Lambda is (safejson), so
findings and messages do not depend on what is installed.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cryptoguard import patterns, safejson
from cryptoguard.records import CLOUDTRAIL_DETAIL_TYPE, MalformedEvent, Record, normalise
from cryptoguard.sources import Filters

try:
    from isal import igzip as _fast_gzip
except ImportError:  # pragma: no cover - the Lambda runtime and minimal installs
    _fast_gzip = None
try:
    import msgspec
except ImportError:  # pragma: no cover
    msgspec = None

FAST = _fast_gzip is not None and msgspec is not None
WHAT = "record"


@dataclass(frozen=True)
class Scope:
    """The gate as deployed (allowed regions, GuardDuty threshold) and the user's filters."""

    allowed_regions: tuple[str, ...]
    severity_threshold: float
    filters: Filters = Filters()


@dataclass(frozen=True, slots=True)
class Hit:
    """A record the rules would have been delivered, and where it was: file, JSON line, index in Records."""

    record: Record
    source: str
    line: int | None
    index: int | None

    @property
    def origin(self) -> str:
        return origin(self.source, self.line, self.index)


def origin(source: str, line: int | None = None, index: int | None = None) -> str:
    """path[:line][#index], as messages and findings name a record."""
    return source + (f":{line}" if line is not None else "") + (f"#{index}" if index is not None else "")


@dataclass
class FileResult:
    source: str
    records: int = 0
    hits: list[Hit] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one per malformed record
    unreadable: str = ""  # why the file could not be read at all
    filtered: int = 0  # delivered, but outside --since/--until/--account/--region


class _Gate:
    """patterns.Gate with the undeliverable answer cached on the four fields it depends on."""

    def __init__(self, scope: Scope) -> None:
        self.gate = patterns.Gate(scope.allowed_regions, scope.severity_threshold)
        self.cache: dict[tuple, bool] = {}
        self.fast_cache: dict[Any, Plan] = {}

    def plan(self, f: Any) -> Plan:
        """What the fast path does with a record whose gate fields are `f` (cached on them)."""
        if f.detail_type is not None or not isinstance(f.eventSource, str) or not isinstance(f.eventName, str):
            return FULL
        service = "aws." + f.eventSource.split(".", 1)[0]
        read_only = f.readOnly in (True, "true")
        candidates = self.gate.candidates(service, str(f.awsRegion or ""), read_only, f.eventName)
        if not candidates:
            return SKIP
        skeleton = {
            "source": service,
            "detail-type": CLOUDTRAIL_DETAIL_TYPE,
            "detail": {"eventSource": f.eventSource, "eventName": f.eventName},
        }
        if any(_decided_by_gate_fields(p.pattern) and patterns.matches(p.pattern, skeleton) for p in candidates):
            return Plan(True, None, True)
        needed: set[str] = set()
        for p in candidates:
            literals = patterns.required_literals(p.pattern.get("detail"))
            if literals is None:
                return FULL
            needed |= literals
        return Plan(True, tuple(sorted(json.dumps(x)[:-1].encode() for x in needed)), False)  # prefixes: no "

    def skips(self, source: Any, name: Any, region: Any, read_only: Any) -> bool:
        """True for a well-formed CloudTrail record that no deployed rule could deliver; anything odd takes
        the full path, so malformed records are still reported."""
        if not isinstance(source, str) or not isinstance(name, str):
            return False
        key = (source, name, region, read_only in (True, "true"))
        answer = self.cache.get(key)
        if answer is None:
            service = "aws." + source.split(".", 1)[0]
            answer = self.cache[key] = not self.gate.candidates(service, str(region or ""), key[3], name)
        return answer


class Plan(NamedTuple):
    """For the fast path: `parse` the record at all; if `needles`, only when its raw bytes hold one of them
    (every pattern that could deliver it needs one of these strings); `delivered` without matching, because a
    pattern that reads only the gate's fields already matched."""

    parse: bool
    needles: tuple[bytes, ...] | None
    delivered: bool


SKIP, FULL = Plan(False, None, False), Plan(True, None, False)


def _decided_by_gate_fields(pattern: dict) -> bool:
    """Does the pattern read nothing but source, detail-type, and the detail's eventSource and eventName?"""
    return set(pattern) <= {"source", "detail-type", "detail"} and set(pattern.get("detail", {})) <= {
        "eventSource",
        "eventName",
    }


_gates: dict[Scope, _Gate] = {}

if msgspec is not None:

    class _Document(msgspec.Struct):
        Records: list[msgspec.Raw]

    class _Fields(msgspec.Struct, frozen=True, gc=False):
        """What the gate reads; hashable, so it is its own cache key."""

        eventSource: Any = None
        eventName: Any = None
        awsRegion: Any = None
        readOnly: Any = None
        detail_type: Any = msgspec.field(name="detail-type", default=None)

    class _FieldsDocument(msgspec.Struct):
        Records: list[_Fields]

    _documents = msgspec.json.Decoder(_Document)
    _fields = msgspec.json.Decoder(_FieldsDocument)
    _values = msgspec.json.Decoder()
    _DECODE_ERRORS: tuple = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)


def scan(data: bytes, source: str, scope: Scope, fast: bool = FAST, first_line: int | None = None) -> FileResult:
    """Every record of one file (a CloudTrail log file, a JSON document or JSON lines, gzipped or not).
    `first_line`: the data are JSON lines numbered from there (a slice of a stream)."""
    result = FileResult(source)
    gate = _gates.get(scope) or _gates.setdefault(scope, _Gate(scope))
    try:
        data = _gunzip(data, fast)
    except ValueError as exc:
        result.unreadable = f"{source}: not a readable gzip file ({exc})"
        return result
    if not data.strip():
        return result
    if first_line is None:
        if fast and _fast_document(data, None, result, gate, scope):
            return result
        try:
            _document(data, None, result, gate, scope)
            return result
        except safejson.NotJSON:
            pass
    for number, line in enumerate(data.split(b"\n"), first_line or 1):
        if not line.strip():
            continue
        if fast and _fast_document(line, number, result, gate, scope):
            continue
        try:
            _document(line, number, result, gate, scope)
        except safejson.NotJSON as exc:
            result.records += 1
            result.errors.append(f"{origin(source, number)}: not JSON ({exc.reason})")
    return result


def _gunzip(data: bytes, fast: bool) -> bytes:
    if data[:2] != b"\x1f\x8b":
        return data
    if fast:
        try:
            return _fast_gzip.decompress(data)
        except Exception:  # ISA-L's errors differ: the standard library says what is wrong, identically
            pass
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(str(exc)) from None


def _fast_document(data: bytes, line: int | None, result: FileResult, gate: _Gate, scope: Scope) -> bool:
    """A {"Records": [...]} document the fast way: two passes in C, one splitting it into raw records, one
    reading the gate's fields of every record; only candidates are parsed in full. False to leave the document
    to the standard library (not a Records document, or a record that is not an object)."""
    try:
        raws = _documents.decode(data).Records
        fields = _fields.decode(data).Records
    except _DECODE_ERRORS:
        return False
    result.records += len(raws)
    cache = gate.fast_cache
    for index, f in enumerate(fields):
        plan = cache.get(f)
        if plan is None:
            plan = cache[f] = gate.plan(f)
        if not plan.parse:
            continue
        raw = raws[index]
        if plan.needles:  # deliverable only if it holds one of these strings (\\u escapes could hide one)
            data = bytes(raw)
            if b"\\u" not in data and not any(needle in data for needle in plan.needles):
                continue
        try:
            value: Any = _values.decode(raw)
            if _maybe_hostile(raw):  # msgspec refuses non-finite numbers, but not depth or long integers
                safejson.check(value, WHAT)
        except (*_DECODE_ERRORS, MalformedEvent):
            value = _bounded(bytes(raw))  # the standard library's value, or its reason
        _consider(value, result, gate, scope, line, index, plan.delivered)
    return True


# Digits to "0", everything else to " ": a run of MAX_INT_DIGITS + 1 zeros is then a plain substring search.
_DIGIT_RUNS = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
_LONG_INTEGER = b"0" * (safejson.MAX_INT_DIGITS + 1)


def _maybe_hostile(raw: Any) -> bool:
    """Could this record break safejson's bounds? Nesting deeper than MAX_DEPTH needs that many brackets, a
    long integer that many digits in a row: both counted in C (a regex costs ten times more), so the tree is
    walked only for the rare suspects."""
    data = bytes(raw)
    return data.count(b"{") + data.count(b"[") > safejson.MAX_DEPTH or _LONG_INTEGER in data.translate(_DIGIT_RUNS)


def _document(data: bytes, line: int | None, result: FileResult, gate: _Gate, scope: Scope) -> None:
    """One JSON document with the standard library: a Records file, a list, or one event or record."""
    try:
        doc = safejson.loads(data, WHAT)
    except safejson.NotJSON:
        raise  # not a document: the caller tries JSON lines, or reports the line
    except MalformedEvent as exc:
        for index, value in enumerate(_split(data, exc)):  # one hostile record must not cost its neighbours
            result.records += 1
            _consider(value, result, gate, scope, line, index)
        return
    records = doc.get("Records") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    if not isinstance(records, list):
        result.records += 1
        _consider(doc, result, gate, scope, line, None)
        return
    result.records += len(records)
    for index, value in enumerate(records):
        if (
            isinstance(value, dict)
            and "detail-type" not in value
            and gate.skips(
                value.get("eventSource"), value.get("eventName"), value.get("awsRegion"), value.get("readOnly")
            )
        ):
            continue
        _consider(value, result, gate, scope, line, index)


def _bounded(raw: bytes) -> Any:
    try:
        return safejson.loads(raw, WHAT)
    except MalformedEvent as exc:
        return exc


# Strings (with escapes) and the characters that give a JSON text its structure: C-speed tokens for _split.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)


def _split(data: bytes, reason: MalformedEvent) -> Iterator[Any]:
    """The records of a document the bounded parser refused as a whole (a hostile record inside): each element
    of its Records array (or top-level list) parsed on its own, the refused ones as their MalformedEvent."""
    depth, array_depth, start, expect_records = 0, None, None, False
    for token in _TOKENS.finditer(data):
        text = token.group()
        if text[:1] == b'"':
            expect_records = depth == 1 and text == b'"Records"'
            continue
        if text in (b"[", b"{"):
            depth += 1
            if array_depth is None and text == b"[" and (depth == 1 or (depth == 2 and expect_records)):
                array_depth, start = depth, token.end()
        elif text in (b"]", b"}"):
            if depth == array_depth:
                element = data[start : token.start()]
                if element.strip():
                    yield _bounded(element)
                return
            depth -= 1
        elif text == b"," and depth == array_depth:
            yield _bounded(data[start : token.start()])
            start = token.end()
    if array_depth is None:
        yield reason  # no array of records to split: the document is one bad record


def _consider(
    value: Any,
    result: FileResult,
    gate: _Gate,
    scope: Scope,
    line: int | None,
    index: int | None,
    delivered: bool = False,
) -> None:
    if isinstance(value, MalformedEvent):
        result.errors.append(f"{origin(result.source, line, index)}: {value}")
        return
    try:
        record = normalise(value)
    except MalformedEvent as exc:
        result.errors.append(f"{origin(result.source, line, index)}: {exc}")
        return
    if not delivered and not gate.gate.delivers(record.to_eventbridge(), record.region, record.read_only):
        return
    if not scope.filters.admits(record.account, record.region, record.event_time):
        result.filtered += 1
        return
    result.hits.append(Hit(record, result.source, line, index))
