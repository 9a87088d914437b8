"""The soak's secret hunt on texts of its own: what it must find, and what it must not."""

from __future__ import annotations

from benchmarks.soak.invariants import check_no_secret_in_logs

TOKENS = [
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpYm0ifQ.Q2xOu1d7X9Jr3c8kqVbN0aF5mZyT4wLe",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhenVyZSJ9.Zk3m-P0q_R7sT1uV2wX8yA9bC4dE5fG6",
]
SECRETS = {"braket_secret_access_key": "BRAKETKEY-2d7f9b4c-known-secret"}


def test_a_secret_or_a_token_s_signature_is_found_where_it_was_written() -> None:
    texts = {
        "process output": f"signed with {SECRETS['braket_secret_access_key']} oops",
        "log a/b.log": f'{{"authorization": "Bearer {TOKENS[1]}"}}',
        "log c.log": f"only the signature: '{TOKENS[0].rsplit('.', 1)[-1]}'",
    }
    assert check_no_secret_in_logs(texts, SECRETS, TOKENS) == [
        "braket_secret_access_key in process output",
        "bearer token 1 in log a/b.log",
        "bearer token 0 in log c.log",
    ]


def test_clean_texts_are_not_leaks() -> None:
    texts = {
        "process output": "Submitted Amazon Braket quantum task arn:aws:braket:us-east-1:1:x",
        "log d.log": "IBM Quantum job d1a2b3: queued (position 4)",
    }
    assert check_no_secret_in_logs(texts, SECRETS, TOKENS) == []
