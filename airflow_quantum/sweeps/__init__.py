"""Workloads bigger than one job: split by the vendor's limits, run as many jobs, merge.

The vendor-neutral parts live here (``limits``: how work is cut into jobs; ``workload``: what
the user hands over; ``merge``: one table back; ``policy``: what a failed chunk means). A vendor
adds a face (``ibm``, ``azure``): its limits table, how a chunk becomes its prepared job, and how
its result gives counts per part. Collecting the answer (chunk results, the result ``cache``,
the merged table, the summary, assets and lineage) is ``collect``; the wait on the worker is
``wait``. The operators are in ``operators/sweep.py`` (running the chunks) and the vendors'
``operators/*_sweep.py``; the one wait for all chunks in the triggerer is ``triggers/sweep.py``.
"""
