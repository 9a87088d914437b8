"""qiskit-ibm-runtime's own decoding of sampler results, timed (run in ``.venv-official``).

    .venv-official/bin/python benchmarks/decode_official.py PAYLOAD.json [PAYLOAD.json ...]

For each payload file: ``json.loads(text, cls=RuntimeDecoder)`` (what ``RuntimeJob.result()``
does with the body) and ``get_counts()`` of every pub's register. Prints one JSON line:
``{"versions": {...}, "results": {path: {"best_s", "median_s", "distinct"}}}``.
This file runs without Airflow and without this package installed.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from importlib.metadata import version

try:
    from qiskit_ibm_runtime.json import RuntimeDecoder
except ImportError:  # qiskit-ibm-runtime < 0.48
    from qiskit_ibm_runtime.utils.json import RuntimeDecoder


def decode_counts(text: str) -> list[dict[str, int]]:
    result = json.loads(text, cls=RuntimeDecoder)
    return [pub.data.c.get_counts() for pub in result]


def main(paths: list[str], repeats: int = 5) -> int:
    results = {}
    for path in paths:
        with open(path) as source:
            text = source.read()
        times, counts = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            counts = decode_counts(text)
            times.append(time.perf_counter() - started)
        results[path] = {
            "best_s": min(times),
            "median_s": statistics.median(times),
            "distinct": sum(len(c) for c in counts),
        }
    versions = {name: version(name) for name in ("qiskit", "qiskit-ibm-runtime", "numpy")}
    print(json.dumps({"versions": versions, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
