"""The care calendar has no chat actions; importing it here loads it with the action
registry, so its ``care:`` section is known to the loader and its booking hooks run
whoever changes a booking (chat, CLI, console)."""

from __future__ import annotations

from flows.business import care as _care  # noqa: F401  (registration side effects)
