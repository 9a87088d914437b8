"""The process-wide token cache: one fetch per credential, refresh at 80%, safe invalidation."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from airflow_quantum.clients.auth import BearerAuth, Token, TokenCache, TokenSource


class CountingSource(TokenSource):
    def __init__(self, key: str = "k", lifetime: float = 100.0, delay: float = 0.0) -> None:
        self.key, self.lifetime, self.delay, self.calls = key, lifetime, delay, 0

    @property
    def cache_key(self) -> str:
        return self.key

    def fetch(self) -> Token:
        self.calls += 1
        time.sleep(self.delay)
        return Token.from_lifetime(f"token-{self.calls}", self.lifetime)

    async def afetch(self) -> Token:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return Token.from_lifetime(f"token-{self.calls}", self.lifetime)


def test_token_is_refreshed_after_80_percent_of_its_lifetime():
    token = Token.from_lifetime("t", 100.0, now=0.0)
    assert token.usable(79.0) and not token.usable(80.0)
    assert token.expires_at == 100.0


def test_many_threads_share_one_fetch():
    cache, source = TokenCache(), CountingSource(delay=0.05)
    threads = [threading.Thread(target=cache.get, args=(source,)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert source.calls == 1 and cache.fetches == 1


def test_many_coroutines_share_one_fetch():
    cache, source = TokenCache(), CountingSource(delay=0.05)

    async def main() -> set[str]:
        tokens = await asyncio.gather(*(cache.aget(source) for _ in range(500)))
        return {token.value for token in tokens}

    assert asyncio.run(main()) == {"token-1"}
    assert source.calls == 1


def test_distinct_credentials_get_distinct_tokens():
    cache, first, second = TokenCache(), CountingSource("a"), CountingSource("b")
    cache.get(first)
    cache.get(second)
    cache.get(first)
    assert (first.calls, second.calls, cache.fetches) == (1, 1, 2)


def test_invalidate_drops_only_the_token_that_failed():
    cache, source = TokenCache(), CountingSource()
    auth = BearerAuth(source, cache)
    stale = auth.headers()
    auth.invalidate(stale)
    fresh = auth.headers()
    assert fresh != stale and source.calls == 2
    auth.invalidate(stale)  # a late 401 for the old token must not throw the new one away
    assert auth.headers() == fresh and source.calls == 2


def test_reprs_never_show_tokens():
    cache, source = TokenCache(), CountingSource()
    auth = BearerAuth(source, cache)
    token = cache.get(source)
    assert token.value not in repr(token) and token.value not in repr(auth)


def test_a_thread_and_a_coroutine_that_start_together_share_one_fetch():
    """A sync hook and a trigger of one connection, in one process: one token request."""
    cache, source = TokenCache(), CountingSource(delay=0.2)
    started = threading.Event()

    def in_a_thread() -> None:
        started.set()
        cache.get(source)

    async def main() -> set[str]:
        thread = threading.Thread(target=in_a_thread)
        thread.start()
        started.wait()
        await asyncio.sleep(0.02)  # the thread's fetch is in flight
        token = await cache.aget(source)
        await asyncio.to_thread(thread.join)
        return {token.value, cache.get(source).value}

    assert asyncio.run(main()) == {"token-1"}
    assert source.calls == 1 and cache.fetches == 1


def test_two_event_loops_share_one_fetch():
    cache, source = TokenCache(), CountingSource(delay=0.2)
    results: list[str] = []

    def loop() -> None:
        results.append(asyncio.run(cache.aget(source)).value)

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["token-1"] * 3 and source.calls == 1


class FailingSource(CountingSource):
    def fetch(self) -> Token:
        self.calls += 1
        time.sleep(self.delay)
        raise RuntimeError("refused")

    async def afetch(self) -> Token:
        self.calls += 1
        await asyncio.sleep(self.delay)
        raise RuntimeError("refused")


def test_a_failed_fetch_fails_its_waiters_and_the_next_caller_tries_again():
    cache, source = TokenCache(), FailingSource(delay=0.05)

    async def main() -> list[object]:
        return await asyncio.gather(*(cache.aget(source) for _ in range(5)), return_exceptions=True)

    assert all(isinstance(error, RuntimeError) for error in asyncio.run(main()))
    assert source.calls == 1
    with pytest.raises(RuntimeError):
        cache.get(source)
    assert source.calls == 2 and cache.fetches == 0


def test_a_cancelled_waiter_does_not_cancel_the_fetch_of_the_others():
    cache, source = TokenCache(), CountingSource(delay=0.1)

    async def main() -> str:
        first = asyncio.ensure_future(cache.aget(source))
        second = asyncio.ensure_future(cache.aget(source))
        await asyncio.sleep(0.02)
        first.cancel()
        return (await second).value

    assert asyncio.run(main()) == "token-1" and source.calls == 1
