"""Sensors: wait for quantum jobs (poke, reschedule, or deferred to the triggerer)."""
