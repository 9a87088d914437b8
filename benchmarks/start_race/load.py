"""Load of the start-race benchmark: a SQLite writer that keeps the write lock busy, and CPU.

A busy laptop running ``airflow standalone`` has both: other writers on the one SQLite file
(the scheduler, the triggerer, the dag-processor, the api-server itself) and little CPU to
spare. Run as ``python -m benchmarks.start_race.load <db> <hold> <gap> <cpus>`` until killed.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
import time


def hold_write_lock(db: str, hold: float, gap: float) -> None:
    """Take SQLite's write lock for ``hold`` seconds, let go for ``gap`` seconds, forever."""
    connection = sqlite3.connect(db, timeout=60, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_load (at REAL)")
    while True:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO bench_load VALUES (?)", (time.time(),))
        time.sleep(hold)
        connection.execute("DELETE FROM bench_load")
        connection.execute("COMMIT")
        time.sleep(gap)


def burn() -> None:
    while True:
        sum(range(10_000))


def main(argv: list[str]) -> int:
    db, hold, gap, cpus = argv[0], float(argv[1]), float(argv[2]), int(argv[3])
    for _ in range(cpus):
        multiprocessing.Process(target=burn, daemon=True).start()
    hold_write_lock(db, hold, gap)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
