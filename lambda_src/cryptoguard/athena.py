"""`hunt --engine athena`: the organisation's whole trail, queried where it lies.

The event patterns (data/patterns.json) compile into the WHERE clause of one Athena (Trino) query: the gate the
EventBridge rules apply, so only records a rule could have been delivered leave S3. Partition projection
(modules/athena_hunt) turns --since/--until/--account/--region into the S3 prefixes Athena reads, which is what
a query costs. The query UNLOADs the matching records, ordered by time, as gzipped JSON; hunt reads them back
and runs the same Python rules as on files (which apply the exact gate again: the SQL may only select more).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptoguard import patterns, safejson, sources
from cryptoguard.costs import prices
from cryptoguard.hunt import UsageError
from cryptoguard.records import CLOUDTRAIL_DETAIL_TYPE, MalformedEvent
from cryptoguard.scan import Scope
from cryptoguard.sources import EARLIEST, Source

TABLE = json.loads((Path(__file__).parent / "data" / "cloudtrail_table.json").read_text())["columns"]
TABLE_COLUMNS = tuple(c["name"].lower() for c in TABLE)
# Athena (Glue) names are lower case; CloudTrail's are camelCase: every column's and struct field's name back.
CAMEL = {n.lower(): n for c in TABLE for n in (c["name"], *re.findall(r"(\w+):", c["type"]))}
STRUCTURED = frozenset(c["name"].lower() for c in TABLE if "<" in c["type"])
JSON_STRINGS = ("requestparameters", "responseelements", "additionaleventdata")
# Detail fields the table has as columns (the rest of a record is JSON text in requestparameters and others).
DETAIL_COLUMNS = {"eventName": "eventname", "eventSource": "eventsource", "awsRegion": "awsregion"}
IDENTITY_COLUMNS = {"type": "useridentity.type", "arn": "useridentity.arn"}
POLL_SECONDS = 2


class Unsupported(ValueError):
    """A pattern uses something the compiler does not turn into SQL: fail loudly, never drop a condition."""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _leaf(column: str, conditions: list) -> str:
    """One field's conditions (EventBridge ORs them) as SQL that is never NULL."""
    exact = [c for c in conditions if isinstance(c, str)]
    parts = [f"{column} IN ({', '.join(map(_literal, exact))})"] if exact else []
    for c in conditions:
        if isinstance(c, str):
            continue
        if isinstance(c, dict) and set(c) == {"prefix"}:
            parts.append(f"starts_with({column}, {_literal(c['prefix'])})")
        elif isinstance(c, dict) and set(c) == {"anything-but"}:
            excluded = c["anything-but"] if isinstance(c["anything-but"], list) else [c["anything-but"]]
            if not all(isinstance(x, str) for x in excluded):
                raise Unsupported(f"anything-but with non-strings: {c}")
            parts.append(f"({column} IS NOT NULL AND {column} NOT IN ({', '.join(map(_literal, excluded))}))")
        elif isinstance(c, dict) and set(c) == {"exists"}:
            parts.append(f"{column} IS {'NOT ' if c['exists'] else ''}NULL")
        else:
            raise Unsupported(f"condition {c!r} on {column}")
    return "coalesce(" + " OR ".join(parts) + ", false)" if len(parts) > 1 else f"coalesce({parts[0]}, false)"


def _json_text(conditions: list, key: str) -> str:
    """A condition inside requestparameters (JSON text in the table): the key with a matching string value
    anywhere in it. A superset of EventBridge's nested match, which the Python gate then applies exactly."""
    parts = []
    for c in conditions:
        if isinstance(c, str):
            value = json.dumps(c)
        elif isinstance(c, dict) and set(c) == {"prefix"}:
            value = json.dumps(c["prefix"])[:-1]
        else:
            raise Unsupported(f"condition {c!r} inside requestParameters")
        regex = json.dumps(key) + r"\s*:\s*" + _regex_escape(value)
        parts.append(f"regexp_like(requestparameters, {_literal(regex)})")
    return "coalesce(" + " OR ".join(parts) + ", false)"


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in r".^$*+?()[]{}|\/" else ch for ch in text)


def _request(node: Any, last: str = "") -> str:
    """requestParameters' sub-pattern: AND over keys, OR over $or, leaves as JSON-text matches."""
    if isinstance(node, list):
        return _json_text(node, last)
    parts = []
    for key, condition in node.items():
        if key == "$or":
            parts.append("(" + " OR ".join(_request(alternative, last) for alternative in condition) + ")")
        else:
            parts.append(_request(condition, key))
    return "(" + " AND ".join(parts) + ")"


def _detail(detail: dict) -> list[str]:
    parts = []
    for key, condition in detail.items():
        if key == "$or":
            parts.append("(" + " OR ".join(" AND ".join(_detail(a)) or "true" for a in condition) + ")")
        elif key in DETAIL_COLUMNS:
            parts.append(_leaf(DETAIL_COLUMNS[key], condition))
        elif key == "userIdentity" and isinstance(condition, dict) and set(condition) <= set(IDENTITY_COLUMNS):
            parts += [_leaf(IDENTITY_COLUMNS[k], v) for k, v in condition.items()]
        elif key == "requestParameters":
            parts.append(_request(condition))
        else:
            raise Unsupported(f"detail field {key!r}")
    return parts


def _pattern(p: patterns.Pattern, allowed_regions: tuple[str, ...]) -> str | None:
    """One rule's pattern as it is deployed (scope and read-only included); None when it cannot match a
    CloudTrail record (GuardDuty findings are not in the trail)."""
    pattern = p.pattern
    if CLOUDTRAIL_DETAIL_TYPE not in pattern.get("detail-type", [CLOUDTRAIL_DETAIL_TYPE]):
        return None
    if p.scope == "unused_regions" and not allowed_regions:
        return None
    parts = []
    sources = pattern.get("source")
    if sources is not None:
        if not all(isinstance(s, str) and s.startswith("aws.") for s in sources):
            raise Unsupported(f"source {sources!r}")
        services = ", ".join(_literal(s[len("aws.") :]) for s in sources)
        parts.append(f"split_part(eventsource, '.', 1) IN ({services})")
    parts += _detail(pattern.get("detail", {}))
    if p.scope == "global":
        parts.append(f"awsregion = {_literal(patterns.GLOBAL_REGION)}")
    elif p.scope == "unused_regions":
        parts.append(f"awsregion NOT IN ({', '.join(map(_literal, allowed_regions))})")
    if not p.read_only:  # EventBridge drops read-only events unless a rule asks for all management events
        parts.append("coalesce(readonly, 'false') <> 'true'")
    return "(" + "\n    AND ".join(parts) + ")"


def compile_gate(allowed_regions: tuple[str, ...]) -> str:
    """The deployed patterns as one SQL condition over the CloudTrail table, each under its name."""
    compiled = [(p.name, _pattern(p, tuple(allowed_regions))) for p in patterns.load()]
    return "(\n  " + "\n  OR ".join(f"-- {name}\n  {sql}" for name, sql in compiled if sql) + "\n)"


def _day(at: datetime) -> str:
    return f"{at:%Y/%m/%d}"


def query(scope: Scope, database: str, table: str, output: str | None = None) -> str:
    """The hunt as one statement: a SELECT, or with `output` (s3://...) an UNLOAD of it as gzipped JSON."""
    f = scope.filters
    where = []
    if f.since is not None:  # the partition (delivery day) first: it decides what Athena reads and bills
        where += [f"day >= {_literal(_day(f.since))}", f"eventtime >= {_literal(_iso(f.since))}"]
    if f.until is not None:
        where += [f"day <= {_literal(_day(f.until + f.slack))}", f"eventtime <= {_literal(_iso(f.until))}"]
    if f.accounts:
        where.append(f"account IN ({', '.join(map(_literal, sorted(f.accounts)))})")
    if f.regions:
        where.append(f"region IN ({', '.join(map(_literal, sorted(f.regions)))})")
    where.append(compile_gate(scope.allowed_regions))
    select = (
        f'SELECT {", ".join(TABLE_COLUMNS)}\nFROM "{database}"."{table}"\nWHERE '
        + "\n  AND ".join(where)
        + "\nORDER BY eventtime, eventid"
    )
    if output is None:
        return select
    return f"UNLOAD (\n{select}\n)\nTO {_literal(output)}\nWITH (format = 'JSON', compression = 'GZIP')"


def _iso(at: datetime) -> str:
    """CloudTrail's eventTime text (2025-03-01T12:00:00Z), which compares as a string in time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(row: dict) -> dict:
    """One UNLOADed row back into the CloudTrail record it was read from."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if name in JSON_STRINGS and isinstance(value, str):
            with contextlib.suppress(MalformedEvent):  # else kept as text: the rules treat it as opaque
                value = safejson.loads(value, name)
        out[CAMEL.get(name, name)] = _camel(value) if name in STRUCTURED else value
    if isinstance(out.get("readOnly"), str):
        out["readOnly"] = out["readOnly"] == "true"
    return {k: v for k, v in out.items() if v is not None}


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {CAMEL.get(k, k): _camel(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def scanned_cost(data_bytes: int) -> float:
    """USD for the bytes a query scanned (Athena bills per TB scanned, 10 MB at least per query)."""
    return max(data_bytes, 10 * 10**6) / 10**12 * float(prices()["athena_per_tb_scanned"])


def execute(athena: Any, sql: str, workgroup: str, timeout: float = 3600) -> dict:
    """Start the query and wait for it; the QueryExecution, or RuntimeError with Athena's reason."""
    started = athena.start_query_execution(QueryString=sql, WorkGroup=workgroup)["QueryExecutionId"]
    deadline = time.monotonic() + timeout
    while True:
        execution = athena.get_query_execution(QueryExecutionId=started)["QueryExecution"]
        state = execution["Status"]["State"]
        if state == "SUCCEEDED":
            return execution
        if state in ("FAILED", "CANCELLED"):
            reason = execution["Status"].get("StateChangeReason", state)
            raise RuntimeError(f"Athena query {started} {state.lower()}: {reason}")
        if time.monotonic() > deadline:
            athena.stop_query_execution(QueryExecutionId=started)
            raise RuntimeError(f"Athena query {started} took longer than {timeout:.0f}s and was stopped")
        time.sleep(POLL_SECONDS)


def results_prefix(athena: Any, workgroup: str) -> str:
    """Where UNLOAD writes: a fresh folder under the workgroup's (enforced) result location."""
    config = athena.get_work_group(WorkGroup=workgroup)["WorkGroup"]["Configuration"]
    location = config["ResultConfiguration"]["OutputLocation"].rstrip("/")
    return f"{location}/unload/{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}/"


class QueryFailed(Exception):
    """Athena or S3 refused or failed the hunt's query: nothing was hunted."""


def unloaded(s3: Any, prefix: str) -> list[Source]:
    """The files the UNLOAD wrote under `prefix`, as hunt's sources (read by `fetch_unloaded`)."""
    bucket, _, key = prefix[len("s3://") :].partition("/")
    return [
        Source(EARLIEST, f"s3://{bucket}/{obj['Key']}")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        for obj in page.get("Contents", [])
    ]


def fetch_unloaded(uri: str, s3: Any) -> bytes:
    """One UNLOADed file's rows as the CloudTrail document they were read from: one file in memory at a time."""
    body = sources.fetch(uri, s3)
    text = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
    return json.dumps({"Records": [record(json.loads(line)) for line in text.splitlines() if line.strip()]}).encode()


def prepare(args: Any, scope: Scope) -> tuple[list[Source], Any] | None:
    """`hunt --engine athena`: print the query (None: nothing to hunt), or run it and return the files it
    wrote with their reader, for hunt to read as it reads any archive. QueryFailed when Athena or S3 fail."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from cryptoguard.sessions import ADAPTIVE_RETRIES

    if args.paths:
        raise UsageError("--engine athena reads the trail through Athena: give no paths")
    if scope.filters.since is None or scope.filters.until is None:
        raise UsageError("--engine athena needs --since and --until (they decide what the query scans and costs)")
    if args.print_sql:
        print(query(scope, args.database, args.table, "s3://<workgroup result location>/unload/<run>/"))
        return None
    # Adaptive retries, as every client here: Athena throttles StartQueryExecution and polling under load.
    athena, s3 = boto3.client("athena", config=ADAPTIVE_RETRIES), boto3.client("s3", config=ADAPTIVE_RETRIES)
    try:
        output = results_prefix(athena, args.workgroup)
        execution = execute(athena, query(scope, args.database, args.table, output), args.workgroup)
        listed = unloaded(s3, output)
    except (RuntimeError, BotoCoreError, ClientError) as exc:
        raise QueryFailed(str(exc)) from None
    scanned = int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
    print(
        f"athena: query {execution['QueryExecutionId']} scanned {scanned / 2**30:.2f} GiB, "
        f"about ${scanned_cost(scanned):.4f}",
        file=sys.stderr,
    )
    return listed, lambda uri: fetch_unloaded(uri, s3)
