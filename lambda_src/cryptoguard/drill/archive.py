"""CloudTrail records written as an organisation trail writes them, for tests and benchmarks: one gzipped file
per account, region and five minutes, named by its delivery time a few minutes later, under
AWSLogs/<org>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/ of the delivery day, records in no particular
order inside a file (as in real files), and a digest file beside each log folder."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

ORG = "o-abc123defg"
SLOT = timedelta(minutes=5)
DELIVERY_DELAY = timedelta(minutes=3)


def _time(record: dict) -> datetime:
    return datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")).astimezone(UTC)


def write_trail(records: list[dict], root: Path, org: str = ORG, seed: int = 7, level: int = 6) -> list[Path]:
    """Write `records` under `root` in the trail layout; returns the log files written."""
    rng = random.Random(seed)
    groups: dict[tuple[str, str, datetime], list[dict]] = {}
    for record in records:
        at = _time(record)
        slot = at - timedelta(minutes=at.minute % 5, seconds=at.second, microseconds=at.microsecond)
        groups.setdefault((record["recipientAccountId"], record["awsRegion"], slot), []).append(record)
    written = []
    for (account, region, slot), batch in sorted(groups.items()):
        delivered = slot + SLOT + DELIVERY_DELAY
        unique = hashlib.sha256(f"{account}{region}{slot}{batch[0]['eventID']}".encode()).hexdigest()[:16]
        day = f"{delivered:%Y/%m/%d}"
        name = f"{account}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz"
        path = root / "AWSLogs" / org / account / "CloudTrail" / region / day / name
        path.parent.mkdir(parents=True, exist_ok=True)
        batch = batch[:]
        rng.shuffle(batch)
        path.write_bytes(gzip.compress(json.dumps({"Records": batch}).encode(), compresslevel=level))
        written.append(path)
        digest = root / "AWSLogs" / org / account / "CloudTrail-Digest" / region / day
        digest.mkdir(parents=True, exist_ok=True)
        digest_name = f"{account}_CloudTrail-Digest_{region}_trail_{region}_{delivered:%Y%m%dT%H%M%SZ}.json.gz"
        body = {"awsAccountId": account, "digestStartTime": slot.isoformat(), "logFiles": [{"s3Object": name}]}
        (digest / digest_name).write_bytes(gzip.compress(json.dumps(body).encode()))
    return written
