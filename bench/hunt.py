"""Throughput and memory of `cryptoguard hunt` on a generated organisation-trail archive, next to a plain
standard-library loop that only decompresses and json-parses the same files. Prints figures; passes or fails
nothing.

  .venv/bin/python bench/hunt.py [--records 1000000] [--workdir DIR]

Each measurement runs in its own process so that its peak RSS is its own (and its workers'). Target: hunt with
the default workers at least 2x the parse-only loop on a 2-core machine. Memory should stay flat as the archive
grows (files are read a few at a time, the reorder window and the rules' windows are bounded), so hunt is also
run on a quarter of it."""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lambda_src"))

RECORDS_PER_FILE = 1000
REGIONS = ["ap-northeast-1", "us-east-1"]  # benign traffic stays in the allowed regions, but for 2%
STRAY_REGIONS = ["us-west-2", "eu-west-1"]
# The shape of a real management-event trail: mostly read-only calls and service-to-service traffic, some
# writes, launches rare; one campaign event in every 997 records. (service, event, read-only, weight %)
BENIGN = [
    ("ec2", "DescribeInstances", True, 20),
    ("sts", "AssumeRole", True, 20),
    ("kms", "Decrypt", True, 15),
    ("s3", "GetBucketAcl", True, 8),
    ("ec2", "DescribeSecurityGroups", True, 8),
    ("iam", "GetRole", True, 6),
    ("ssm", "GetParameter", True, 6),
    ("logs", "CreateLogStream", False, 6),
    ("ec2", "CreateTags", False, 4),
    ("lambda", "UpdateFunctionConfiguration20150331v2", False, 3),
    ("ecs", "UpdateService", False, 3),
    ("ec2", "RunInstances", False, 0.5),
    ("ecs", "RegisterTaskDefinition", False, 0.5),
]


def generate(directory: Path, records: int) -> list[Path]:
    """A deterministic archive of `records` records in the organisation trail's layout (drill/archive.py)."""
    from cryptoguard.drill import scenarios as sc
    from cryptoguard.drill.archive import write_trail

    rng = random.Random(7)
    attacks = [
        e["detail"] for s in sc.attack_scenarios() for e in s.events() if e["detail-type"] != "GuardDuty Finding"
    ]
    clock = sc.Clock("2025-11-01T00:00:00Z", step_seconds=1)
    batch: list[dict] = []
    for index in range(records):
        if index % 997 == 0:
            record = dict(attacks[index % len(attacks)], eventTime=clock.tick())
        else:
            service, name, read_only, _ = rng.choices(BENIGN, weights=[b[3] for b in BENIGN])[0]
            identity = rng.choice([sc.PIPELINE_ROLE, sc.ADMIN_ROLE, sc.AUTOSCALING_ROLE])
            params = (
                {
                    "instancesSet": {"items": [{"imageId": "ami-1", "minCount": 1, "maxCount": 1}]},
                    "instanceType": "m5.large",
                }
                if name == "RunInstances"
                else {"resource": f"r-{index}"}
            )
            region = rng.choice(STRAY_REGIONS) if rng.random() < 0.02 else rng.choice(REGIONS)
            record = sc.cloudtrail(
                clock,
                name,
                service,
                params,
                region=region,
                identity=identity,
                read_only=read_only,
                ip="10.0.0.1",
                agent="aws-sdk-go-v2/1.30",
            )
        batch.append(record)
        if len(batch) == 50_000:  # written a day's slice at a time: the generator's memory stays small too
            write_trail(batch, directory, seed=index, level=1)
            batch = []
    write_trail(batch, directory, level=1)
    return sorted(directory.rglob("*_CloudTrail_*.json.gz"))


def _parse_only(paths: list[str]) -> int:
    count = 0
    for path in paths:
        count += len(json.loads(gzip.decompress(Path(path).read_bytes()))["Records"])
    return count


def _hunt(paths: list[str], workers: int) -> int:
    import io
    import os

    from cryptoguard import hunt, report, sources
    from cryptoguard.drill.scenarios import ALLOWED_REGIONS
    from cryptoguard.rules import Context
    from cryptoguard.settings import Settings

    listed = sources.listing(paths, sources.Filters())
    with open(os.devnull, "w") as devnull:  # findings are written, as by the CLI, but not kept
        summary = hunt.run(
            listed,
            Context(Settings(allowed_regions=ALLOWED_REGIONS)),
            report.JsonLines(devnull),
            err=io.StringIO(),
            workers=workers,
        )
    return summary.records


def measure(kind: str, paths: list[Path]) -> dict:
    """Run one measurement in a child process (this script with --child); returns records, seconds and peak
    RSS in MiB (its own, and its largest worker's)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        input=json.dumps([str(f) for f in paths]),
        text=True,
        capture_output=True,
        check=True,
    )
    return json.loads(proc.stdout)


def child(kind: str) -> None:
    import resource

    from cryptoguard.hunt import default_workers

    paths = json.load(sys.stdin)
    started = time.perf_counter()
    if kind == "parse_only":
        records = _parse_only([str(p) for p in sorted(Path(paths[0]).rglob("*_CloudTrail_*.json.gz"))])
    else:
        records = _hunt(paths, 1 if kind == "hunt_1" else default_workers())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"records": records, "seconds": seconds, "peak_mib": peak, "worker_mib": workers}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench")
    parser.add_argument("--child", choices=["parse_only", "hunt", "hunt_1"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from cryptoguard import scan
    from cryptoguard.hunt import default_workers

    archive = args.workdir / f"trail-{args.records}"
    quarter = args.workdir / f"trail-{args.records // 4}"
    started = time.perf_counter()
    for path, count in ((archive, args.records), (quarter, args.records // 4)):
        if not path.exists():
            generate(path, count)
    files = sorted(archive.rglob("*_CloudTrail_*.json.gz"))
    print("mix: " + ", ".join(f"{s}:{n} {w}%" for s, n, _, w in BENIGN) + "; one campaign event per 997 records")
    print(
        f"archive: {len(files)} files in the organisation trail layout, {args.records:,} records, "
        f"{sum(f.stat().st_size for f in files) / 2**20:.0f} MiB gzipped ({time.perf_counter() - started:.0f}s)"
    )
    print(f"fast path: {'on (isal, msgspec)' if scan.FAST else 'off (standard library)'}; {default_workers()} cores")
    # Best of three: a shared 2-core machine is noisy, and the best run is the one least disturbed.
    runs = {
        kind: min((measure(kind, [archive]) for _ in range(3)), key=lambda m: m["seconds"])
        for kind in ("parse_only", "hunt_1", "hunt")
    }
    small = measure("hunt", [quarter])
    print("best of three runs each; every run in its own process")
    print(f"{'':34}{'records':>12}{'seconds':>10}{'records/s':>12}{'peak MiB':>10}{'worker MiB':>12}")
    rows = (
        ("stdlib gunzip + json.loads loop", runs["parse_only"]),
        ("hunt --workers 1", runs["hunt_1"]),
        (f"hunt (--workers {default_workers()})", runs["hunt"]),
        ("hunt, quarter archive", small),
    )
    for label, m in rows:
        print(
            f"{label:34}{m['records']:>12,}{m['seconds']:>10.1f}{m['records'] / m['seconds']:>12,.0f}"
            f"{m['peak_mib']:>10.0f}{m['worker_mib']:>12.0f}"
        )
    rate = {k: m["records"] / m["seconds"] for k, m in runs.items()}
    print(f"hunt / parse-only loop: {rate['hunt'] / rate['parse_only']:.2f} (target >= 2.0 on 2 cores)")
    print(f"hunt --workers 1 / parse-only loop: {rate['hunt_1'] / rate['parse_only']:.2f}")
    print(f"peak memory, full / quarter archive: {runs['hunt']['peak_mib'] / small['peak_mib']:.2f} (flat is ~1.0)")


if __name__ == "__main__":
    main()
