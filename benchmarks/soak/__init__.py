"""``make soak``: a distributed Airflow deployment under faults, checked against invariants."""
