"""One parameter sweep two ways under a real scheduler and triggerer on PostgreSQL: the sweep
operator (one task) against a ``.expand()`` of mapped sampler tasks (docs/sweeps.md)."""
