"""The shared cache: keyed on content, bounded by bytes, safe to share between sessions."""

import threading

import numpy as np
import pytest
import torch

from ui import cache


@pytest.fixture
def small_budget(monkeypatch):
    store = cache._Store(budget=3 * 2**20)           # room for three 1 MB results
    monkeypatch.setattr(cache, "_STORE", store)
    return store


def test_two_images_differing_in_one_pixel_get_their_own_results():
    # st.cache_data hashes a large array from a sample of its bytes; one changed pixel can collide.
    calls = []

    @cache.cached
    def brightest(image: np.ndarray) -> int:
        calls.append(1)
        return int(image.max())

    a = np.zeros((1500, 1500, 3), np.uint8)
    b = a.copy()
    b[777, 1234, 1] = 9
    assert (brightest(a), brightest(b), brightest(a)) == (0, 9, 0)
    assert len(calls) == 2


def test_the_cache_holds_no_more_bytes_than_its_budget_and_drops_the_oldest(small_budget):
    @cache.cached
    def megabyte(seed: int) -> np.ndarray:
        return np.full(2**20, seed % 256, np.uint8)

    for seed in range(5):
        megabyte(seed)
    stats = cache.cache_stats()
    assert stats["bytes"] <= stats["budget"] == 3 * 2**20
    assert stats["entries"] == 3
    misses = stats["misses"]
    megabyte(4)                                       # the newest is still there
    assert cache.cache_stats()["misses"] == misses
    megabyte(0)                                       # the oldest was evicted
    assert cache.cache_stats()["misses"] == misses + 1


def test_a_result_larger_than_the_budget_is_returned_but_not_kept(small_budget):
    @cache.cached
    def huge() -> np.ndarray:
        return np.zeros(4 * 2**20, np.uint8)

    assert huge().nbytes == 4 * 2**20
    assert cache.cache_stats()["entries"] == 0


def test_results_are_read_only_because_every_session_shares_them():
    @cache.cached
    def ramp(n: int) -> dict:
        return {"values": np.arange(n)}

    with pytest.raises(ValueError, match="read-only"):
        ramp(4)["values"][0] = 99


def test_keyword_and_module_arguments_are_part_of_the_key():
    @cache.cached
    def apply(net: torch.nn.Module, x: torch.Tensor, *, scale: float = 1.0) -> float:
        with torch.no_grad():
            return float(net(x).sum()) * scale

    net = torch.nn.Sequential(torch.nn.Linear(2, 1, bias=False), torch.nn.BatchNorm1d(1).eval())
    with torch.no_grad():
        net[0].weight.fill_(1.0)
    x = torch.ones(1, 2)
    # BatchNorm (eval, fresh statistics) divides by sqrt(1 + eps); its 0-d counter is hashed too
    assert apply(net, x) == pytest.approx(2.0, rel=1e-4) and apply(net, x, scale=3.0) == pytest.approx(6.0, rel=1e-4)
    with torch.no_grad():
        net[0].weight.fill_(2.0)                      # new weights: a new result, not a stale one
    assert apply(net, x) == pytest.approx(4.0, rel=1e-4)


def test_arguments_the_cache_cannot_see_into_are_refused_not_guessed():
    with pytest.raises(cache.UnhashableArgument):
        cache.cached(lambda f: f(1))(lambda v: v)


def test_concurrent_callers_all_get_the_right_answer():
    @cache.cached
    def square(v: int) -> int:
        return v * v

    results: dict[int, int] = {}

    def work(v: int) -> None:
        for _ in range(50):
            results[v] = square(v)

    threads = [threading.Thread(target=work, args=(v,)) for v in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {v: v * v for v in range(8)}


def test_the_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(cache.BUDGET_VARIABLE, "64")
    assert cache.budget_bytes() == 64 * 2**20
    monkeypatch.setenv(cache.BUDGET_VARIABLE, "lots")
    with pytest.raises(ValueError, match="SCALESCOPE_CACHE_MB"):
        cache.budget_bytes()


def test_entries_nobody_uses_are_forgotten_and_used_ones_kept(monkeypatch):
    now = [1000.0]
    store = cache._Store(budget=3 * 2**20, clock=lambda: now[0])
    monkeypatch.setattr(cache, "_STORE", store)

    @cache.cached
    def block(seed: int) -> np.ndarray:
        return np.full(2**18, seed, np.float32)      # 1 MB

    block(1), block(2)
    now[0] += 500
    block(2)                                          # read again: its clock restarts
    now[0] += 200                                     # block(1) idle 700 s, block(2) idle 200 s
    assert cache.expire_idle(600) == 1
    stats = cache.cache_stats()
    assert stats["entries"] == 1 and stats["bytes"] == 2**20
    assert cache.expire_idle(100) == 1 and cache.cache_stats()["bytes"] == 0


def test_the_idle_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(cache.IDLE_VARIABLE, "90")
    assert cache.idle_seconds() == 90
    monkeypatch.setenv(cache.IDLE_VARIABLE, "soon")
    with pytest.raises(ValueError, match="seconds"):
        cache.idle_seconds()
