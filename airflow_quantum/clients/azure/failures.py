"""Why an Azure Quantum job failed: its ``errorData.code`` by cause (see ``FailureCause``).

From the official client's recorded real sessions (2024-10 to 2026-02) and the wire page's
round-2 corrections: a program the service cannot parse or compile is accepted and then fails
with ``InvalidInputData``, ``CompilationError`` or ``InvalidInputError``, and fails the same way
again; ``PropertyNotSpecified`` (a parameter the target needs) and ``CannotTranslateOutputData``
(an output format the target cannot write) are the job's own too. ``ProviderTimeout`` and a
provider's job-processing error (``"quantinuum - 1001"``) may pass, as may any code not named here.
"""

from __future__ import annotations

from airflow_quantum.clients.state import FailureTable

AZURE_FAILURES = FailureTable(
    permanent=frozenset(
        {
            "InvalidInputData",
            "InvalidInputError",
            "CompilationError",
            "PropertyNotSpecified",
            "CannotTranslateOutputData",
            "InvalidJobDefinition",
        }
    ),
    permanent_markers=("invalidinput", "compilation"),
)
