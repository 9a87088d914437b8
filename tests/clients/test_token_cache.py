"""The process-wide token cache: one fetch per credential, refresh at 80%, safe invalidation."""

from __future__ import annotations

import asyncio
import threading
import time

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
