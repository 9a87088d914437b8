"""Memory and CPU of a process and all its children, sampled while it runs."""

from __future__ import annotations

import threading

import psutil


class TreeSampler:
    """Samples RSS (sum over the tree) and CPU seconds of ``pid`` and its descendants."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.period = period
        self.peak_rss_mb = 0.0
        self.samples_mb: list[float] = []
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every process seen in the tree (at its last sample)."""
        return sum(self._cpu.values())

    def rss_mb(self) -> float:
        """The tree's RSS now (0 once it has exited)."""
        total = 0.0
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        for process in processes:
            try:
                total += process.memory_info().rss / 1e6
                times = process.cpu_times()
                self._cpu[process.pid] = times.user + times.system
            except psutil.Error:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self.rss_mb()
            if rss:
                self.samples_mb.append(rss)
                self.peak_rss_mb = max(self.peak_rss_mb, rss)
            self._stop.wait(self.period)
