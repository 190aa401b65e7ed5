"""Burst windows counted in per-second buckets give exactly the answers of counting call by call, in any
order of arrival, in memory and (tests/emulators/test_windows_dynamodb.py) in DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoguard.state import MemoryStore, heaviest

T0 = datetime(2025, 11, 2, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def densest(calls: list[tuple[int, str, int, str]], at: int, span: int, distinct: bool) -> int:
    """The reference, call by call: the best score of any span-long run of calls that includes `at`."""
    best = 0
    for start, *_ in calls:
        if not at - span <= start <= at:
            continue
        run = [c for c in calls if start <= c[0] <= start + span]
        score = len({g for *_, g in run}) if distinct else sum(w for _, _, w, _ in run)
        best = max(best, score)
    return best


calls_strategy = st.lists(
    st.tuples(
        st.integers(0, 1200),  # second
        st.sampled_from(["i-1", "i-2", "i-3", "i-4", "i-5", "i-6"]),  # member (repeats count once)
        st.integers(1, 5),  # weight
        st.sampled_from(["us-east-1", "sa-east-1", "ap-south-1", "eu-west-3"]),  # group
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(calls=calls_strategy)
def test_buckets_give_the_call_by_call_answer_in_any_order(calls):
    store, seen, span = MemoryStore(), {}, int(WINDOW.total_seconds())
    for second, member, weight, group in calls:  # hypothesis draws them in no particular time order
        seen.setdefault((second, member), (second, member, weight, group))
        at = T0 + timedelta(seconds=second)
        buckets = store.tally("k", member, at, WINDOW, weight, group)
        t = int(at.timestamp())
        recorded = [(int((T0 + timedelta(seconds=s)).timestamp()), m, w, g) for s, m, w, g in seen.values()]
        assert heaviest(buckets, at, WINDOW).score == densest(recorded, t, span, False)
        assert heaviest(buckets, at, WINDOW, distinct_groups=True).score == densest(recorded, t, span, True)


def test_a_repeated_member_counts_once_and_members_come_back_in_time_order():
    store = MemoryStore()
    for offset, member in [(3, "i-b"), (1, "i-a"), (3, "i-b"), (2, "i-c")]:
        buckets = store.tally("k", member, T0 + timedelta(seconds=offset), WINDOW)
    assert sum(b.total for b in buckets) == 3
    start = int(T0.timestamp())
    assert store.members("k", start, start + 10, 10) == ["i-a", "i-c", "i-b"]  # by second
    assert store.members("k", start, start + 10, 2) == ["i-a", "i-c"]
