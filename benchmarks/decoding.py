"""Result decoding: ours against the official decoders, on the same payload bytes.

IBM: ``decode_result`` (pure Python, no numpy) against qiskit-ibm-runtime's ``RuntimeDecoder`` +
``get_counts()``, which runs in ``.venv-official`` (see ``decode_official.py``). Azure QIO (the
results of historic jobs, still readable):
``decode_results`` against ``json.loads``, which is all the official client does with the blob.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow_quantum.clients.azure.results import decode_results
from airflow_quantum.clients.ibm.results import decode_result
from benchmarks import payloads
from benchmarks.support import ROOT

OFFICIAL_PYTHON = ROOT / ".venv-official" / "bin" / "python"


def _timed(call: Callable[[], Any], repeats: int) -> tuple[dict[str, float], Any]:
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = call()
        times.append(time.perf_counter() - started)
    return {"best_s": min(times), "median_s": statistics.median(times)}, value


def _official(paths: list[Path]) -> dict[str, Any]:
    if not OFFICIAL_PYTHON.exists():
        return {"skipped": f"{OFFICIAL_PYTHON} not found (make .venv-official/.installed)"}
    done = subprocess.run(
        [str(OFFICIAL_PYTHON), str(ROOT / "benchmarks" / "decode_official.py")]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return {"skipped": f"the official decoder failed: {done.stderr[-800:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(workdir: Path, shots: int, batch_shots: int, qio_variables: int, repeats: int) -> dict:
    """Decode each payload ``repeats`` times with each decoder; best and median seconds."""
    cases = {
        f"IBM sampler, 1 pub x {shots:,} shots x 20 bits": payloads.ibm_sampler(1, shots, 20),
        f"IBM sampler, 10 pubs x {batch_shots:,} shots x 20 bits": payloads.ibm_sampler(
            10, batch_shots, 20
        ),
    }
    paths = []
    for index, text in enumerate(cases.values()):
        path = workdir / f"ibm-payload-{index}.json"
        path.write_text(text)
        paths.append(path)
    official = _official(paths)
    rows = []
    for (name, text), path in zip(cases.items(), paths, strict=True):
        ours, decoded = _timed(lambda text=text: decode_result(text), repeats)
        distinct = sum(len(pub["counts"]) for pub in decoded["pub_results"])
        theirs = official.get("results", {}).get(str(path))
        if theirs is not None and theirs["distinct"] != distinct:
            raise AssertionError(f"{name}: {distinct} distinct outcomes, official {theirs}")
        rows.append(
            {
                "case": name,
                "payload_bytes": len(text),
                "ours": ours,
                "official": theirs,
                "official_name": "qiskit-ibm-runtime RuntimeDecoder + get_counts()",
                "distinct_outcomes": distinct,
            }
        )
    qio = payloads.azure_qio(qio_variables)
    ours, decoded = _timed(lambda: decode_results(qio, "microsoft.qio-results.v2"), repeats)
    assert len(decoded["configuration"]) == qio_variables
    floor, _ = _timed(lambda: json.loads(qio), repeats)
    rows.append(
        {
            "case": f"Azure QIO, 10 solutions x {qio_variables:,} variables",
            "payload_bytes": len(qio),
            "ours": ours,
            "official": floor,
            "official_name": "json.loads (what azure-quantum does with the blob)",
        }
    )
    return {
        "rows": rows,
        "official_versions": official.get("versions"),
        "note": official.get("skipped"),
    }
