"""
### A DAG scheduled on quantum results: reads what the asset event announces

Runs whenever `example_quantum_results_storage` updates the Asset `quantum_ghz_shots`. The
asset event's `extra` says what arrived: vendor, job id, backend, shots, usage and
`results_uri`, where the whole result was written. `analyse` opens that file with Airflow's
`ObjectStoragePath` (the URI names the connection, e.g. `s3://aws_default@bucket/...`) and
works on every shot, which XCom never held:

* the counts, recomputed from the 2,000 bitstrings, match the service's;
* the GHZ fidelity proxy `P(000) + P(111)`;
* how often two consecutive shots gave the same outcome (about ½ for independent shots of a
  GHZ state), a check only the shot-by-shot record allows.

Triggered by hand (or by `airflow dags test`), it reads the asset's latest event instead, as an
inlet.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise
from typing import Any

from airflow.sdk import Asset, ObjectStoragePath, dag, task

GHZ_SHOTS = Asset("quantum_ghz_shots")


@dag(
    dag_id="example_quantum_results_consumer",
    schedule=[GHZ_SHOTS],
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "object-storage", "assets"],
)
def example_quantum_results_consumer():
    # --8<-- [start:analyse]
    @task(inlets=[GHZ_SHOTS])
    def analyse(triggering_asset_events=None, inlet_events=None) -> dict[str, Any]:
        events = (triggering_asset_events or {}).get(GHZ_SHOTS) or inlet_events[GHZ_SHOTS]
        facts = events[-1].extra
        print(f"{facts['vendor']} job {facts['job_id']} on {facts['backend']}: {facts}")
        result = json.loads(ObjectStoragePath(facts["results_uri"]).read_text())
        pub = result["pub_results"][0]
        shots = pub["registers"]["c"]["bitstrings"]
        recounted = Counter(shots)
        same_as_previous = sum(a == b for a, b in pairwise(shots))
        summary = {
            "job_id": facts["job_id"],
            "results_uri": facts["results_uri"],
            "shots": len(shots),
            "counts_match": dict(recounted) == pub["counts"],
            "ghz_fraction": (recounted["000"] + recounted["111"]) / len(shots),
            "repeat_fraction": same_as_previous / (len(shots) - 1),
        }
        print(json.dumps(summary, indent=2))
        return summary

    # --8<-- [end:analyse]

    analyse()


example_quantum_results_consumer()
