"""One cache for every page: keyed on the content of the arguments, bounded by bytes.

Streamlit runs every visitor's script in a thread of one process, so whatever a page caches is
shared by all of them. ``st.cache_data`` would do, but it hashes a large ndarray from a random
sample (two images differing in a few pixels can collide), and it is bounded by entry count, so
forty 1500² uploads pin gigabytes. :func:`cached` instead

* keys on **content**: an array or tensor by the sha256 of its bytes, a module by the sha256 of
  its weights, a dataclass by its fields, so no argument exists only to form a key and none can
  be left out of one;
* bounds the **bytes** it holds (``SCALESCOPE_CACHE_MB``, default 512 MB: sized for a 2-core,
  4 GB pod), evicting the least recently used entries first;
* hands out results read-only (arrays are frozen), because every session sees the same object;
* forgets entries nobody has used for ``SCALESCOPE_CACHE_IDLE_S`` seconds (default 600), so a
  server whose visitors have left returns to its resting memory (the upload sweeper calls
  :func:`expire_idle`).

    >>> import numpy as np
    >>> calls = []
    >>> @cached
    ... def total(values: np.ndarray, scale: float) -> float:
    ...     calls.append(1)
    ...     return float(values.sum() * scale)
    >>> total(np.ones(3), 2.0), total(np.ones(3), 2.0), len(calls)
    (6.0, 6.0, 1)
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import torch

BUDGET_VARIABLE = "SCALESCOPE_CACHE_MB"
DEFAULT_BUDGET_MB = 512
IDLE_VARIABLE = "SCALESCOPE_CACHE_IDLE_S"
DEFAULT_IDLE_S = 600.0
_UNKNOWN_OBJECT_BYTES = 1024      # what an object the estimate cannot see into is assumed to hold

F = TypeVar("F", bound=Callable[..., Any])


class UnhashableArgument(TypeError):
    """An argument whose content the cache cannot fingerprint (a page bug, not a user error)."""


def _digest_bytes(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


# Digests of read-only arrays that own their memory, by id: they cannot change, so a page that
# passes the same octaves on every rerun hashes their megabytes once. The weak reference tells a
# recycled id from the array it was computed for.
_ARRAY_DIGESTS: dict[int, tuple[weakref.ref, str]] = {}
_ARRAY_DIGESTS_LOCK = threading.Lock()


def _array_digest(data: np.ndarray) -> str:
    frozen = not data.flags.writeable and data.base is None
    if frozen:
        with _ARRAY_DIGESTS_LOCK:
            known = _ARRAY_DIGESTS.get(id(data))
        if known is not None and known[0]() is data:
            return known[1]
    digest = _digest_bytes(np.ascontiguousarray(data).view(np.uint8).reshape(-1).data)
    if frozen:
        key = id(data)

        def forget(_: weakref.ref, key: int = key) -> None:
            with _ARRAY_DIGESTS_LOCK:
                _ARRAY_DIGESTS.pop(key, None)
        with _ARRAY_DIGESTS_LOCK:
            _ARRAY_DIGESTS[key] = (weakref.ref(data, forget), digest)
    return digest


def fingerprint(value: Any) -> Any:
    """A hashable stand-in for ``value`` that changes whenever its content does.

    >>> fingerprint((1, "a", None)) == fingerprint((1, "a", None))
    True
    >>> fingerprint(np.zeros(2)) == fingerprint(np.zeros(3))
    False
    """
    if value is None or isinstance(value, (bool, int, float, str, complex, enum.Enum)):
        return (type(value).__name__, value)
    if isinstance(value, bytes):
        return ("bytes", _digest_bytes(value))
    if isinstance(value, (slice, range)):
        return (type(value).__name__, value.start, value.stop, value.step)
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, _array_digest(value))
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.item())
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype), tuple(value.shape),
                fingerprint(value.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy()))
    if isinstance(value, torch.nn.Module):
        return ("module", type(value).__qualname__, tuple(
            (name, fingerprint(t)) for name, t in value.state_dict().items()))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(repr(fingerprint(v)) for v in value)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(fingerprint(k)), fingerprint(v)) for k, v in value.items())))
    digest = getattr(value, "digest", None)
    if isinstance(digest, str) and dataclasses.is_dataclass(value):
        return (type(value).__qualname__, digest)      # a picked image: its sha256 says it all
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__, tuple(
            (f.name, fingerprint(getattr(value, f.name))) for f in dataclasses.fields(value)))
    raise UnhashableArgument(f"cached() cannot fingerprint a {type(value).__qualname__}; pass "
                             "arrays, tensors, modules, dataclasses or plain values.")


def estimate_bytes(value: Any, _depth: int = 0) -> int:
    """Roughly how many bytes ``value`` keeps alive: arrays, tensors and strings counted exactly.

    >>> estimate_bytes(np.zeros((10, 10), np.float32))
    400
    """
    if _depth > 6:
        return _UNKNOWN_OBJECT_BYTES
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, torch.Tensor):
        return int(value.element_size() * value.nelement())
    if isinstance(value, (bytes, str)):
        return len(value)
    if value is None or isinstance(value, (bool, int, float, complex, np.generic, enum.Enum)):
        return 16
    if isinstance(value, (tuple, list, set, frozenset)):
        return 64 + sum(estimate_bytes(v, _depth + 1) for v in value)
    if isinstance(value, dict):
        return 64 + sum(estimate_bytes(k, _depth + 1) + estimate_bytes(v, _depth + 1) for k, v in value.items())
    to_json = getattr(value, "to_plotly_json", None)
    if callable(to_json):
        return estimate_bytes(to_json(), _depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(estimate_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, torch.nn.Module):
        return sum(estimate_bytes(t) for t in value.state_dict().values())
    return _UNKNOWN_OBJECT_BYTES


def _freeze(value: Any, _depth: int = 0) -> None:
    if _depth > 6:
        return
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _freeze(v, _depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v, _depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _freeze(getattr(value, f.name), _depth + 1)


def _setting(variable: str, default: float, parse: Callable[[str], float], what: str) -> float:
    wanted = os.environ.get(variable, "").strip()
    try:
        return parse(wanted) if wanted else default
    except ValueError:
        raise ValueError(f"{variable} must be {what}, got {wanted!r}.") from None


def budget_bytes() -> int:
    """The cache's byte budget from ``SCALESCOPE_CACHE_MB`` (a whole number of megabytes)."""
    megabytes = _setting(BUDGET_VARIABLE, DEFAULT_BUDGET_MB, int, "a whole number of megabytes")
    return int(max(megabytes, 1)) * 2**20


def idle_seconds() -> float:
    """How long an unused entry is kept, from ``SCALESCOPE_CACHE_IDLE_S`` (seconds)."""
    return max(_setting(IDLE_VARIABLE, DEFAULT_IDLE_S, float, "a number of seconds"), 1.0)


@dataclasses.dataclass
class _Store:
    budget: int
    entries: OrderedDict[Any, tuple[Any, int]] = dataclasses.field(default_factory=OrderedDict)
    last_used: dict[Any, float] = dataclasses.field(default_factory=dict)
    used: int = 0
    hits: int = 0
    misses: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.monotonic

    def get(self, key: Any) -> tuple[bool, Any]:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                self.last_used[key] = self.clock()
                self.hits += 1
                return True, self.entries[key][0]
            self.misses += 1
            return False, None

    def _drop(self, key: Any) -> None:
        self.used -= self.entries.pop(key)[1]
        self.last_used.pop(key, None)

    def expire(self, max_idle_s: float) -> int:
        """Drop the entries unused for more than ``max_idle_s``; return how many went."""
        with self.lock:
            cutoff = self.clock() - max_idle_s
            stale = [key for key in self.entries if self.last_used.get(key, cutoff) < cutoff]
            for key in stale:
                self._drop(key)
            return len(stale)

    def put(self, key: Any, value: Any) -> None:
        size = estimate_bytes(value)
        if size > self.budget:
            return                                   # larger than the whole budget: never kept
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = (value, size)
            self.last_used[key] = self.clock()
            self.used += size
            while self.used > self.budget:
                self._drop(next(iter(self.entries)))   # the least recently used

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.last_used.clear()
            self.used = self.hits = self.misses = 0


_STORE = _Store(budget_bytes())


def cached(function: F) -> F:
    """Memoise a pure function process-wide, keyed on its arguments' content (see the module)."""
    name = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (name, fingerprint(args), fingerprint(kwargs))
        found, value = _STORE.get(key)
        if found:
            return value
        value = function(*args, **kwargs)
        _freeze(value)
        _STORE.put(key, value)
        return value

    return wrapper  # type: ignore[return-value]


def cache_stats() -> dict[str, int]:
    """Entries, bytes held, the byte budget, hits and misses, for the memory benchmark."""
    with _STORE.lock:
        return {"entries": len(_STORE.entries), "bytes": _STORE.used, "budget": _STORE.budget,
                "hits": _STORE.hits, "misses": _STORE.misses}


def expire_idle(max_idle_s: float | None = None) -> int:
    """Forget entries unused for ``max_idle_s`` seconds (default :func:`idle_seconds`); return the count."""
    return _STORE.expire(idle_seconds() if max_idle_s is None else max_idle_s)


def clear_cache() -> None:
    """Forget everything (tests call this between cases)."""
    _STORE.clear()
