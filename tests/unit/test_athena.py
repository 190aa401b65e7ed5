"""`hunt --engine athena`: the compiled gate is Trino, selects what the Python gate selects (run by DuckDB on
the fixtures' records), and the query's round trip runs against moto."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime

import boto3
import pytest

from cryptoguard import athena, report, scan
from cryptoguard import hunt as hunt_module
from cryptoguard.drill import scenarios as sc
from cryptoguard.records import MalformedEvent, normalise
from cryptoguard.rules import Context
from cryptoguard.settings import Settings
from cryptoguard.sources import Filters
from tests.unit.test_hunt import hunt

duckdb = pytest.importorskip("duckdb", reason="DuckDB (requirements/dev.txt) runs the compiled gate")
sqlglot = pytest.importorskip("sqlglot", reason="sqlglot (requirements/dev.txt) parses the query as Trino")

SCOPE = scan.Scope(
    sc.ALLOWED_REGIONS,
    4.0,
    Filters(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), frozenset({sc.ACCOUNT})),
)


def fixture_records() -> list[dict]:
    """Every CloudTrail record of every scenario, attacks and benign ones (real-trail shapes included), and a
    few made to sit on the gate's edges."""
    records = [r for s in sc.all_scenarios() for r in s.cloudtrail_records()]
    clock = sc.Clock("2025-06-01T00:00:00Z")
    edges = [
        sc.cloudtrail(clock, "CreateTags", "ec2", {"tagSet": {"items": [{"key": "cryptoguard:protect"}]}}, **EDGE),
        sc.cloudtrail(clock, "CreateTags", "ec2", {"tagSet": {"items": [{"key": "Name", "value": "x"}]}}, **EDGE),
        sc.cloudtrail(
            clock, "DescribeInstances", "ec2", {}, read_only=True, region="sa-east-1", identity=sc.ADMIN_ROLE
        ),
        sc.cloudtrail(clock, "CreateUser", "iam", {"userName": "x"}, region="us-east-1", identity=sc.ADMIN_ROLE),
        sc.cloudtrail(clock, "CreateUser", "iam", {"userName": "x"}, region="eu-west-1", identity=sc.ADMIN_ROLE),
        sc.cloudtrail(clock, "GetServiceQuota", "servicequotas", {}, read_only=True, **EDGE),
    ]
    noise = [  # everyday traffic, in used and unused regions, read-only and not
        sc.cloudtrail(clock, name, service, {"resource": "r-1"}, read_only=read_only, region=region, identity=who)
        for service, name, read_only in NOISE
        for region in ("ap-northeast-1", "us-east-1", "eu-west-1")
        for who in (ADMIN, sc.AUTOSCALING_ROLE)
    ]
    return records + edges + noise


ADMIN = sc.ADMIN_ROLE
EDGE = {"region": "ap-northeast-1", "identity": ADMIN}
NOISE = [
    ("ec2", "DescribeInstances", True),
    ("sts", "AssumeRole", True),
    ("kms", "Decrypt", True),
    ("logs", "CreateLogStream", False),
    ("ec2", "CreateTags", False),
    ("lambda", "UpdateFunctionConfiguration20150331v2", False),
    ("s3", "PutObject", False),
    ("iam", "GetRole", True),
]


def python_gate(records: list[dict]) -> set[str]:
    gate = scan._Gate(SCOPE)
    chosen = set()
    for r in records:
        if gate.skips(r.get("eventSource"), r.get("eventName"), r.get("awsRegion"), r.get("readOnly")):
            continue
        try:
            record = normalise(r)
        except MalformedEvent:
            continue
        if gate.gate.delivers(record.to_eventbridge(), record.region, record.read_only):
            chosen.add(r["eventID"])
    return chosen


def test_the_query_is_trino():
    sql = athena.query(SCOPE, "cryptoguard_hunt", "cloudtrail", "s3://results/unload/run/")
    parsed = sqlglot.parse_one(sql.split("UNLOAD (", 1)[1].rsplit(")\nTO", 1)[0], read="trino")
    assert parsed.find(sqlglot.exp.Where) is not None
    assert sqlglot.transpile(athena.query(SCOPE, "db", "t"), read="trino", write="trino")
    assert "day >= '2024/01/01'" in sql and "account IN ('111122223333')" in sql and "ORDER BY eventtime" in sql
    assert "WITH (format = 'JSON', compression = 'GZIP')" in sql


def test_the_compiled_gate_selects_exactly_what_the_python_gate_selects():
    records = fixture_records()
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE cloudtrail (eventid VARCHAR, eventsource VARCHAR, eventname VARCHAR, awsregion VARCHAR, "
        "readonly VARCHAR, useridentity STRUCT(type VARCHAR, arn VARCHAR), requestparameters VARCHAR)"
    )
    db.executemany(
        "INSERT INTO cloudtrail VALUES (?, ?, ?, ?, ?, {'type': ?, 'arn': ?}, ?)",
        [
            (
                r["eventID"],
                r["eventSource"],
                r["eventName"],
                r["awsRegion"],
                json.dumps(r.get("readOnly", False)),
                r["userIdentity"].get("type"),
                r["userIdentity"].get("arn"),
                json.dumps(r["requestParameters"], separators=(",", ":")) if r.get("requestParameters") else None,
            )
            for r in records
        ],
    )
    where = sqlglot.transpile(athena.compile_gate(sc.ALLOWED_REGIONS), read="trino", write="duckdb")[0]
    selected = {row[0] for row in db.execute(f"SELECT eventid FROM cloudtrail WHERE {where}").fetchall()}
    expected = python_gate(records)
    assert len(expected) > 50 and len(records) - len(expected) > 20  # both sides of the gate are exercised
    assert selected == expected


def test_every_pattern_compiles_and_guardduty_is_left_to_guardduty():
    sql = athena.compile_gate(sc.ALLOWED_REGIONS)
    from cryptoguard import patterns

    for p in patterns.load():
        assert (f"-- {p.name}\n" in sql) == (not p.name.startswith("guardduty_") or "tampering" in p.name)


def test_print_sql_from_the_command_line():
    proc = hunt("--engine", "athena", "--since", "2025-01-01", "--until", "2025-03-31", "--print-sql")
    assert proc.returncode == 0 and proc.stdout.startswith("UNLOAD (")
    assert "day <= '2025/04/01'" in proc.stdout  # events of the 31st delivered up to an hour later
    missing = hunt("--engine", "athena", "--since", "2025-01-01", "--print-sql")
    assert missing.returncode == 2 and "needs --since and --until" in missing.stderr


def test_an_unloaded_row_is_the_record_again():
    original = sc.unused_region_gpu().cloudtrail_records()[0]
    row = {k.lower(): v for k, v in original.items()}
    row["useridentity"] = {k.lower(): v for k, v in original["userIdentity"].items()}
    row["requestparameters"] = json.dumps(original["requestParameters"])
    row["readonly"] = "false"
    back = athena.record(row)
    assert normalise(back) == normalise(original)


def test_the_query_round_trip_on_moto(aws_in_process):
    """Start, wait, find the UNLOAD's files, hunt them, report the bytes scanned: the AWS calls on moto (which
    runs no SQL, so the files the UNLOAD would write are put there first)."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="hunt-results")
    athena_client = boto3.client("athena", region_name="us-east-1")
    athena_client.create_work_group(
        Name="cryptoguard-hunt",
        Configuration={"ResultConfiguration": {"OutputLocation": "s3://hunt-results/athena/"}},
    )
    prefix = athena.results_prefix(athena_client, "cryptoguard-hunt")
    assert prefix.startswith("s3://hunt-results/athena/unload/")
    records = sc.unused_region_gpu().cloudtrail_records()
    rows = []
    for r in records:
        row = {k.lower(): v for k, v in r.items()}
        row["useridentity"] = {k.lower(): v for k, v in r["userIdentity"].items()}
        row["requestparameters"] = json.dumps(r["requestParameters"])
        rows.append(json.dumps(row))
    key = prefix[len("s3://hunt-results/") :] + "part-0.gz"
    s3.put_object(Bucket="hunt-results", Key=key, Body=gzip.compress("\n".join(rows).encode()))
    execution = athena.execute(athena_client, "SELECT 1", "cryptoguard-hunt", timeout=30)
    assert execution["Status"]["State"] == "SUCCEEDED"
    listed = athena.unloaded(s3, prefix)
    assert [source.uri for source in listed] == [f"s3://hunt-results/{key}"]
    data = athena.fetch_unloaded(listed[0].uri, s3)
    assert [r["eventID"] for r in json.loads(data)["Records"]] == [r["eventID"] for r in records]
    out = io.StringIO()
    ctx = Context(Settings(allowed_regions=sc.ALLOWED_REGIONS))
    fetch = lambda uri: athena.fetch_unloaded(uri, s3)  # noqa: E731 - as athena.prepare hands it over
    hunt_module.run(listed, ctx, report.JsonLines(out), err=io.StringIO(), fetch=fetch)
    assert {json.loads(line)["rule_id"] for line in out.getvalue().splitlines()} >= {"CG-REGION-001"}
    assert athena.scanned_cost(10**12) == pytest.approx(5.0) and athena.scanned_cost(0) > 0


class FailingAthena:
    """An Athena that takes the query and then fails it, as it does on a scan over the workgroup's cutoff."""

    def start_query_execution(self, **_: object) -> dict:
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict:  # noqa: N803 - boto3's name
        reason = "Query exhausted resources: bytes scanned limit was exceeded"
        return {
            "QueryExecution": {
                "QueryExecutionId": QueryExecutionId,
                "Status": {"State": "FAILED", "StateChangeReason": reason},
            }
        }


def test_a_query_athena_fails_is_a_clear_failure(aws_in_process, monkeypatch):
    """Athena's reason reaches the user as QueryFailed (the CLI prints it and exits 1), and nothing is hunted."""
    from argparse import Namespace

    with pytest.raises(RuntimeError, match="q-1 failed: Query exhausted resources"):
        athena.execute(FailingAthena(), "SELECT 1", "cryptoguard-hunt")
    boto3.client("athena", region_name="us-east-1").create_work_group(
        Name="cryptoguard-hunt", Configuration={"ResultConfiguration": {"OutputLocation": "s3://r/athena/"}}
    )
    real = athena.execute
    monkeypatch.setattr(athena, "execute", lambda client, sql, workgroup: real(FailingAthena(), sql, workgroup))
    args = Namespace(paths=[], print_sql=False, workgroup="cryptoguard-hunt", database="db", table="t")
    with pytest.raises(athena.QueryFailed, match="bytes scanned limit"):
        athena.prepare(args, SCOPE)
