"""When waits poll: the growing interval, its jitter, and the same curve by age.

A wait polls first after ``poll_interval`` and then 1.5 times later each time, up to
``max_poll_interval``. After ``k`` polls it has waited ``2p(1.5^k - 1)`` seconds and its
interval is ``p * 1.5^k``; so at age ``t`` its interval is ``p + t/2``. The shared poller uses
that closed form: it needs each wait's interval *now*, however often the wait was served.
"""

from __future__ import annotations

import random

#: Growth of the polling interval after each poll, up to ``max_poll_interval``.
BACKOFF = 1.5
#: Share of each wait drawn at random, so thousands of triggers do not poll in lockstep.
JITTER = 0.2


def spread(seconds: float) -> float:
    """``seconds`` with +/- ``JITTER`` drawn at random."""
    return seconds * (1 + random.uniform(-JITTER, JITTER))


def interval_at_age(poll_interval: float, max_poll_interval: float, age: float) -> float:
    """The interval a wait of this ``age`` (seconds) has reached by backing off."""
    return min(max_poll_interval, poll_interval + max(0.0, age) * (BACKOFF - 1))
