"""Triggers: wait for quantum jobs in the triggerer, holding no worker slot."""
