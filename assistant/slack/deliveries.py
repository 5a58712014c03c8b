"""Slack delivers an event again when it thinks we missed it; remember what was handled to answer once."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

REMEMBER_SECONDS = 3600.0
REMEMBER_MAX = 50_000


class SeenDeliveries:
    """A bounded, expiring set of delivery keys (event ids, channel+ts, client_msg_id)."""

    def __init__(
        self,
        *,
        seconds: float = REMEMBER_SECONDS,
        max_items: int = REMEMBER_MAX,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._max = max_items
        self._clock = clock
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, keys: Iterable[str | None]) -> bool:
        """True the first time any of these keys is seen; every key is then remembered."""
        now = self._clock()
        wanted = [k for k in keys if k]
        with self._lock:
            while self._keys and (len(self._keys) > self._max or next(iter(self._keys.values())) <= now):
                self._keys.popitem(last=False)
            seen = any(k in self._keys for k in wanted)
            for k in wanted:
                self._keys[k] = now + self._seconds
                self._keys.move_to_end(k)
            return not seen
