"""Why an IBM Quantum job failed: its ``reason_code`` by cause (see ``FailureCause``).

From IBM's error code registry (quantum.cloud.ibm.com/docs/errors, and qiskit-ibm-runtime's
``docs/errors.rst`` before 2023-11): a code whose solution is to change the job (its circuits,
shots, instructions, size, limits) is permanent; one whose solution is to retry, wait or use
another backend (internal errors, timeouts, an unavailable backend or queue, too many jobs at
once) is transient, as is any code not named here. 1517 (circuits that are not ISA circuits of
the backend) and 1305 (the job ran longer than its ``max_execution_time``) are permanent: the
same job fails the same way.
"""

from __future__ import annotations

from airflow_quantum.clients.state import FailureTable

#: The job's own input or limits: 1xxx validation and schema, 3xxx job contents, 6xxx shots and
#: experiments, 7xxx instructions, 8xxx pulses and timings.
_PERMANENT = {
    "1001", "1002", "1003", "1005", "1101", "1102", "1103", "1104", "1105", "1106", "1107",
    "1108", "1109", "1305", "1517", "2304", "3211", "3215", "3218", "3220", "3224", "3226",
    "3229", "3230", "3236", "3237", "3239", "3242", "3243", "3248", "3249", "3265", "5201",
    "6000", "6001", "6002", "6003", "7000", "7001", "7002", "7003", "7004", "7005", "7006",
}  # fmt: skip

IBM_FAILURES = FailureTable(
    permanent=frozenset(_PERMANENT) | frozenset(str(code) for code in range(8000, 8100))
)
