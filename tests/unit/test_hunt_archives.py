"""`hunt` on archives laid out as the organisation trail writes them: order independence, filters pushed down to
folders and names, hostile records, exit codes, output formats, incidents, and the parallel path."""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cryptoguard import hunt as hunt_module
from cryptoguard import report, scan, sources
from cryptoguard.alerts import aggregate
from cryptoguard.drill import scenarios as sc
from cryptoguard.drill.archive import write_trail
from cryptoguard.records import normalise
from cryptoguard.rules import Context, evaluate
from cryptoguard.settings import Settings
from tests.unit.test_hunt import ROOT, hunt

REGIONS = ",".join(sc.ALLOWED_REGIONS)
HOME = {"region": "ap-northeast-1", "identity": sc.ADMIN_ROLE}
WHERE = ("source", "record_index", "line")
LAUNCH_ONE = {
    "instancesSet": {"items": [{"imageId": "ami-1", "minCount": 1, "maxCount": 1}]},
    "instanceType": "m5.large",
}


def campaign_with_a_busy_home_region() -> list[dict]:
    """The Meson campaign (4 regions within minutes: the multi-region rule, CRITICAL) by a role that also
    launches in its home region all the next day. Read region folder after region folder, the home region's
    day comes first and sends time backwards by a day for the others."""
    records = sc.meson_campaign().cloudtrail_records()
    clock = sc.Clock("2024-02-26T21:00:00Z", step_seconds=3600)
    for _ in range(24):
        records.append(
            sc.cloudtrail(
                clock,
                "RunInstances",
                "ec2",
                {
                    "instancesSet": {"items": [{"imageId": "ami-1", "minCount": 1, "maxCount": 1}]},
                    "instanceType": "m5.large",
                },
                region="ap-northeast-1",
                identity=sc.COMPROMISED_ROLE,
            )
        )
    return records


def findings(proc: subprocess.CompletedProcess) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def without_where(found: list[dict]) -> list[str]:
    return sorted(json.dumps({k: v for k, v in f.items() if k not in WHERE}, sort_keys=True) for f in found)


@pytest.fixture
def trail(tmp_path: Path) -> tuple[Path, list[dict]]:
    records = campaign_with_a_busy_home_region()
    write_trail(records, tmp_path / "trail")
    return tmp_path / "trail", records


def test_a_trail_by_region_and_day_gives_the_findings_of_one_file(trail, tmp_path):
    root, records = trail
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"Records": records}))
    single = findings(hunt(str(one), "--allowed-regions", REGIONS))
    laid_out = findings(hunt(str(root), "--allowed-regions", REGIONS))
    assert "CG-LAUNCH-004" in {f["rule_id"] for f in single}  # the CRITICAL multi-region launch
    assert without_where(laid_out) == without_where(single)
    # The region folders named one by one, in reverse: the same again.
    account = root / "AWSLogs" / "o-abc123defg" / sc.ACCOUNT / "CloudTrail"
    folders = sorted((str(p) for p in account.iterdir()), reverse=True)
    assert without_where(findings(hunt(*folders, "--allowed-regions", REGIONS))) == without_where(single)


def test_findings_name_their_file_and_record(trail):
    root, records = trail
    found = findings(hunt(str(root), "--allowed-regions", REGIONS))
    by_id = {r["eventID"]: r for r in records}
    for finding in found:
        doc = json.loads(gzip.decompress(Path(finding["source"]).read_bytes()))
        assert doc["Records"][finding["record_index"]] == by_id[finding["event_id"]]


def test_digest_files_are_passed_over_quietly(trail):
    root, _ = trail
    assert list(root.rglob("*CloudTrail-Digest*.json.gz"))
    proc = hunt(str(root), "--allowed-regions", REGIONS)
    assert proc.returncode == 0 and "error" not in proc.stderr
    assert "0 malformed records, 0 unreadable inputs" in proc.stderr


def test_standard_input(trail):
    _, records = trail
    body = "\n".join(json.dumps({"Records": records[i : i + 7]}) for i in range(0, len(records), 7)).encode()
    from_stdin = findings(hunt("-", "--allowed-regions", REGIONS, stdin=body))
    one = findings(hunt("-", "--allowed-regions", REGIONS, stdin=json.dumps({"Records": records}).encode()))
    assert without_where(from_stdin) == without_where(one) and from_stdin
    assert {f["source"] for f in from_stdin} == {"-"} and all("line" in f for f in from_stdin)


def test_a_closed_pipe_ends_quietly(tmp_path):
    clock = sc.Clock("2025-01-01T00:00:00Z")
    records = [
        sc.cloudtrail(
            clock, "RunInstances", "ec2", {"instanceType": "t3.micro"}, region="sa-east-1", identity=sc.STOLEN_USER
        )
        for _ in range(3000)
    ]
    (tmp_path / "many.json").write_text(json.dumps({"Records": records}))
    command = f"{sys.executable} -m cryptoguard hunt {tmp_path / 'many.json'} --allowed-regions {REGIONS} | head -n 1"
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "lambda_src"), "PATH": "/usr/bin:/bin"},
    )
    assert len(proc.stdout.splitlines()) == 1
    assert proc.stderr == "" and proc.returncode == 141  # SIGPIPE's status, as other tools, and no traceback


def test_filters_never_fetch_files_outside_them(trail):
    root, records = trail
    # Every log file of another day, account or region is replaced by garbage: reading one would be an error.
    for path in root.rglob("*_CloudTrail_*.json.gz"):
        if "/2024/02/26/" not in str(path) or "sa-east-1" in path.name:
            path.write_bytes(b"\x1f\x8b not gzip")
    other = root / "AWSLogs" / "o-abc123defg" / "999999999999" / "CloudTrail" / "us-west-2" / "2024" / "02" / "26"
    other.mkdir(parents=True)
    (other / "999999999999_CloudTrail_us-west-2_20240226T2040Z_x.json.gz").write_bytes(b"\x1f\x8b not gzip")
    # Delivered on the right day but before --since, and after --until plus the reorder window: by name alone.
    day = root / "AWSLogs" / "o-abc123defg" / sc.ACCOUNT / "CloudTrail" / "us-west-2" / "2024" / "02" / "26"
    for stamp in ("20240226T1955Z", "20240226T2355Z"):
        (day / f"{sc.ACCOUNT}_CloudTrail_us-west-2_{stamp}_x.json.gz").write_bytes(b"\x1f\x8b not gzip")
    proc = hunt(
        str(root),
        "--allowed-regions",
        REGIONS,
        "--since",
        "2024-02-26T20:00:00Z",
        "--until",
        "2024-02-26T20:50Z",
        "--account",
        sc.ACCOUNT,
        "--region",
        "us-west-2,eu-west-1,ap-southeast-1",
    )
    found = findings(proc)
    assert "error" not in proc.stderr, proc.stderr
    assert found and {f["region"] for f in found} <= {"us-west-2", "eu-west-1", "ap-southeast-1"}
    assert all("2024-02-26T20:" in f["event_time"] for f in found)


def test_record_filters_are_exact_without_the_layout(trail, tmp_path):
    _, records = trail
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"Records": records}))
    found = findings(hunt(str(one), "--allowed-regions", REGIONS, "--region", "eu-west-1"))
    assert found and {f["region"] for f in found} == {"eu-west-1"}
    none = hunt(str(one), "--allowed-regions", REGIONS, "--since", "2030-01-01")
    assert findings(none) == [] and "outside --since/--until/--account/--region" in none.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on", "urgent"], "unknown severity 'urgent'"),
        (["--since", "yesterday"], "not a date or time"),
        (["--since", "2025-02-01", "--until", "2025-01-01"], "is after --until"),
        (["--account", "12345"], "not 12-digit account ids: 12345"),
        (["--region", "mars"], "not region names"),
        (["--workers", "0"], "--workers must be 1 or more"),
    ],
)
def test_usage_errors_exit_2_before_any_work(trail, args, message):
    root, _ = trail
    proc = hunt(str(root), *args)
    assert proc.returncode == 2 and message in proc.stderr and proc.stdout == ""
    assert "records read" not in proc.stderr  # nothing was read


def test_no_input_exits_2(tmp_path):
    missing = hunt(str(tmp_path / "missing"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert hunt().returncode == 2
    (tmp_path / "a.json.gz").write_bytes(b"\x1f\x8b broken")
    unreadable = hunt(str(tmp_path / "a.json.gz"))
    assert unreadable.returncode == 2 and "no input could be read" in unreadable.stderr


def test_hostile_records_cost_only_themselves(tmp_path):
    attack = sc.unused_region_gpu().cloudtrail_records()
    deep = "[" * 5000 + "]" * 5000
    body = (
        '{"Records": ['
        + json.dumps(attack[0])
        + ', {"eventName": Infinity}, {"a": '
        + deep
        + "}, "
        + '{"big": 1'
        + "0" * 60
        + "}, "
        + ", ".join(json.dumps(r) for r in attack[1:])
        + "]}"
    )
    path = tmp_path / "hostile.json"
    path.write_text(body)
    proc = hunt(str(path), "--allowed-regions", REGIONS)
    found = findings(proc)
    assert {f["event_id"] for f in found} == {r["eventID"] for r in attack}
    assert f"{path}#1: non-finite number Infinity" in proc.stderr
    assert f"{path}#2: record nested deeper than 64 levels" in proc.stderr
    assert f"{path}#3: integer of 61 digits" in proc.stderr
    assert "3 malformed records" in proc.stderr


def test_the_fast_path_and_the_standard_library_agree(trail, tmp_path):
    if not scan.FAST:
        pytest.skip("needs msgspec and isal (requirements/dev.txt) for the fast path")
    root, records = trail
    clock = sc.Clock("2024-02-26T20:00:00Z")
    tags = [  # the fast path passes over CreateTags without "cryptoguard:" in its raw bytes, unless escaped
        sc.cloudtrail(clock, "CreateTags", "ec2", {"tagSet": {"items": [{"key": key}]}}, **HOME)
        for key in ("cryptoguard:protect", "Name", "cryptoguard:escaped")
    ]
    escaped = [json.dumps(r).replace("cryptoguard:escaped", "cryptoguard\\u003aescaped") for r in tags]
    hostile = [json.dumps(r) for r in records[:5]] + escaped + ['{"eventName": Infinity}', "[" * 100 + "]" * 100, '"x"']
    documents = [
        gzip.compress(json.dumps({"Records": records}).encode()),
        ("{" + '"Records": [' + ", ".join(hostile) + "]}").encode(),
        "\n".join(json.dumps(r) for r in records[:9]).encode() + b"\nnot json\n",
        b"\x1f\x8b broken",
        ("{" + '"Records": [' + ", ".join(escaped) + "]}").encode(),  # well-formed: the fast path reads it
    ]
    s = scan.Scope(sc.ALLOWED_REGIONS, 4.0)
    for data in documents:
        fast, slow = scan.scan(data, "f", s, fast=True), scan.scan(data, "f", s, fast=False)
        assert (fast.records, fast.errors, fast.unreadable, fast.filtered) == (
            slow.records,
            slow.errors,
            slow.unreadable,
            slow.filtered,
        )
        assert [(h.record, h.index, h.line) for h in fast.hits] == [(h.record, h.index, h.line) for h in slow.hits]
    tagged = scan.scan(documents[-1], "f", s, fast=True)
    keys = {h.record.request["tagSet"]["items"][0]["key"] for h in tagged.hits if h.record.event_name == "CreateTags"}
    assert keys == {"cryptoguard:protect", "cryptoguard:escaped"}


def test_only_patterns_reading_gate_fields_alone_deliver_without_matching():
    """The fast path delivers a record without matching only for a pattern that reads nothing but the fields
    it already read (ECS calls); a pattern reading requestParameters (protection tags) is always matched."""
    from cryptoguard import patterns

    assert scan._decided_by_gate_fields(patterns.named("ecs").pattern)
    assert not scan._decided_by_gate_fields(patterns.named("protection_tags").pattern)
    assert not scan._decided_by_gate_fields(patterns.named("unused_region_activity").pattern)


def test_workers_write_byte_identical_findings(tmp_path):
    records = []
    for scenario in sc.attack_scenarios():
        records += copy.deepcopy(scenario.cloudtrail_records())
    write_trail(records, tmp_path / "trail")
    single = hunt(str(tmp_path / "trail"), "--allowed-regions", REGIONS, "--workers", "1")
    parallel = hunt(str(tmp_path / "trail"), "--allowed-regions", REGIONS, "--workers", "2")
    assert single.returncode == parallel.returncode == 0
    assert single.stdout and parallel.stdout == single.stdout


def _in_process(records: list[dict], fmt: str, incidents: bool = False) -> str:
    out = io.StringIO()
    ctx = Context(Settings(allowed_regions=sc.ALLOWED_REGIONS))
    listed = iter([sources.Source(sources.EARLIEST, "x.json")])
    data = json.dumps({"Records": records}).encode()
    writer = report.WRITERS[fmt](out)
    hunt_module.run(listed, ctx, writer, err=io.StringIO(), incidents=incidents, fetch=lambda uri: data)
    return out.getvalue()


def test_incidents_fold_as_the_lambda_alerts_do():
    records = sc.meson_campaign().cloudtrail_records()
    lines = [json.loads(line) for line in _in_process(records, "jsonl", incidents=True).splitlines()]
    ctx = Context(Settings(allowed_regions=sc.ALLOWED_REGIONS))
    ordered = sorted(records, key=lambda r: (r["eventTime"], r["eventID"]))
    expected = aggregate([f for r in ordered for f in evaluate(normalise(r), ctx)])
    assert [(a["incident"], a["count"]) for a in lines] == [(a.incident, a.count) for a in expected]
    assert any(a["count"] > 1 for a in lines)


def test_formats():
    records = sc.meson_campaign().cloudtrail_records()
    rows = list(csv.DictReader(io.StringIO(_in_process(records, "csv"))))
    assert rows and {"event_time", "severity", "rule_id", "origin"} <= set(rows[0])
    assert rows[0]["origin"].startswith("x.json#")
    sarif = json.loads(_in_process(records, "sarif"))
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} <= {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "x.json"
    ocsf = [json.loads(line) for line in _in_process(records, "ocsf").splitlines()]
    assert ocsf and all(e["class_uid"] == 2004 and e["type_uid"] == 200401 for e in ocsf)
    assert {e["severity_id"] for e in ocsf} <= {1, 2, 3, 4, 5}
    table = _in_process(records, "table").splitlines()
    assert table[0].startswith("TIME (UTC)") and "CG-LAUNCH-004" in "\n".join(table)


def test_progress_is_silent_when_not_a_terminal(trail):
    root, _ = trail
    proc = hunt(str(root), "--allowed-regions", REGIONS)
    assert "\r" not in proc.stderr and "file/s" not in proc.stderr


def test_late_records_are_counted(tmp_path):
    """A record delivered more than --reorder-window late is still evaluated, and the summary says so."""
    records = sc.unused_region_gpu().cloudtrail_records()
    write_trail(records, tmp_path / "trail")
    late = dict(records[0], eventID="late-one", eventTime="2020-01-01T00:00:00Z")
    folder = next((tmp_path / "trail").rglob("CloudTrail/*/*/*/*"))
    (folder / f"{sc.ACCOUNT}_CloudTrail_x_29990101T0000Z_late.json.gz").write_bytes(
        gzip.compress(json.dumps({"Records": [late]}).encode())
    )
    proc = hunt(str(tmp_path / "trail"), "--allowed-regions", REGIONS)
    assert "late-one" in proc.stdout and "1 records arrived after later ones" in proc.stderr


def test_time_filters_read_bare_dates_as_whole_days(trail):
    root, _ = trail
    found = findings(hunt(str(root), "--allowed-regions", REGIONS, "--until", "2024-02-26"))
    assert found and all(f["event_time"].startswith("2024-02-26") for f in found)
    assert datetime.fromisoformat(found[-1]["event_time"]) < datetime(2024, 2, 27, tzinfo=UTC)


def test_a_long_stream_on_standard_input_is_read_a_slice_at_a_time(trail):
    """JSON lines longer than a slice: scanned slice by slice at line ends, with the same records and the line
    numbers of the whole stream; a gzipped or single-document input is read whole."""
    _, records = trail
    lines = [json.dumps({"Records": records[i : i + 3]}) for i in range(0, len(records), 3)] + ["not json"]
    data = "\n".join(lines).encode()
    scope = scan.Scope(sc.ALLOWED_REGIONS, 4.0)
    sliced = hunt_module._stdin(scope, io.BytesIO(data), chunk=700)
    whole = scan.scan(data, "-", scope, first_line=1)
    assert len(sliced) > 3
    assert [h.origin for r in sliced for h in r.hits] == [h.origin for h in whole.hits]
    assert [e for r in sliced for e in r.errors] == whole.errors == [f"-:{len(lines)}: not JSON (Expecting value)"]
    gzipped = hunt_module._stdin(scope, io.BytesIO(gzip.compress(data)), chunk=700)
    assert len(gzipped) == 1 and [h.record for h in gzipped[0].hits] == [h.record for h in whole.hits]


def test_progress_shows_files_and_rate_on_a_terminal(trail):
    pytest.importorskip("tqdm", reason="tqdm (requirements/dev.txt) draws the progress bar")
    root, _ = trail
    err = io.StringIO()
    ctx = Context(Settings(allowed_regions=sc.ALLOWED_REGIONS))
    files = len(list(sources.listing([str(root)], sources.Filters())))
    listed = sources.listing([str(root)], sources.Filters())
    hunt_module.run(listed, ctx, report.JsonLines(io.StringIO()), err=err, progress=True)
    shown = err.getvalue()
    assert f"0/{files} " in shown and "file/s" in shown  # files done of the total, and the rate


def test_a_folder_that_cannot_be_listed_is_reported(trail, monkeypatch):
    root, _ = trail
    region = root / "AWSLogs" / "o-abc123defg" / sc.ACCOUNT / "CloudTrail" / "eu-west-1"
    real = os.scandir

    def scandir(path):
        if str(path).startswith(str(region)):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(sources.os, "scandir", scandir)
    listed = list(sources.listing([str(root)], sources.Filters()))
    assert [s.error for s in listed if s.error] == [f"{region}: cannot list (Permission denied)"]
    assert len(listed) > 1  # the other regions are still read
