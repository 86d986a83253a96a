"""The retry policy (pure tier): which outcomes retry, how long to wait, when to stop."""

import pytest

from pulumi_virtualappointment._retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({"Retry-After": "2.128"}, 2.128),
        ({"retry-after": "3"}, 3.0),
        ({"x-ms-retry-after-ms": "250"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({"Retry-After": "-1"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_fractional_seconds(headers, expected):
    assert parse_retry_after(headers) == expected


@pytest.mark.parametrize(
    "status,retry_after,idempotent,expected",
    [
        (429, None, True, True),
        (503, None, True, True),
        (504, None, False, False),  # a PUT that timed out at the gateway is re-read, not re-sent
        (503, None, False, True),
        (409, 1.0, True, True),  # tenant provisioning on the first create, with a retry header
        (409, None, True, False),  # a real conflict is not retried
        (412, None, True, False),
        (500, None, True, False),
        (404, None, True, False),
        (None, None, True, True),  # connection failure, safe to replay
        (None, None, False, False),  # connection failure on a PUT: re-read instead
    ],
)
def test_which_outcomes_are_retried(status, retry_after, idempotent, expected):
    assert RetryPolicy().retryable(status, retry_after, idempotent) is expected


def test_retry_after_wins_over_backoff():
    assert RetryPolicy().delay(1, 2.128, 0.0) == 2.128


def test_backoff_is_capped_exponential_with_jitter():
    low = RetryPolicy(backoff_base=0.5, backoff_cap=4.0, jitter=lambda: 0.0, max_retries=10, max_total_wait=1e9)
    high = RetryPolicy(backoff_base=0.5, backoff_cap=4.0, jitter=lambda: 1.0, max_retries=10, max_total_wait=1e9)
    assert [low.delay(n, None, 0) for n in range(1, 6)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [high.delay(n, None, 0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_retries_are_bounded_in_count_and_in_total_wait():
    policy = RetryPolicy(max_retries=3, max_total_wait=5.0)
    assert policy.delay(3, 1.0, 0.0) == 1.0
    assert policy.delay(4, 1.0, 0.0) is None
    assert policy.delay(2, 1.5, 4.0) is None
