"""The values each filter may take, remembered for a minute per database.

The dashboard's three endpoints check their filters against these, and the page fills its
drop-downs from them; reading them costs a pass over customers, bookings and conversations,
so every request would pay it. A value missing from the remembered lists is looked up again
before it is refused, so a region that appeared a second ago is never turned away; a new
value only reaches the drop-downs up to a minute late.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from bot.dashboard.period import InputError, dims_from
from storage import kpi_customers
from storage.db import Database
from storage.kpi_queries import Dims

MAX_AGE_S = 60.0
_lock = threading.Lock()
_known: dict[str, tuple[float, dict[str, list[str]]]] = {}


def values(db: Database, *, max_age: float = MAX_AGE_S,
           clock: Callable[[], float] = time.monotonic) -> dict[str, list[str]]:
    now = clock()
    with _lock:
        hit = _known.get(db.url)
    if hit is not None and now - hit[0] < max_age:
        return hit[1]
    with db.read() as s:
        found = kpi_customers.dimension_values(s)
    with _lock:
        _known[db.url] = (now, found)
    return found


def checked(db: Database, params: Mapping[str, str | None]) -> tuple[Dims, dict[str, list[str]]]:
    """The filters of ``params`` (``InputError`` for a value the data does not have) and the
    choices to show."""
    known = values(db)
    try:
        return dims_from(params, known), known
    except InputError:
        known = values(db, max_age=0)  # perhaps it is new: look again before refusing
        return dims_from(params, known), known
