"""Pricing rules: the ``pricing:`` section and the itemised quote it gives."""

from __future__ import annotations

from pathlib import Path

from flows.sections import register_section

SECTION = register_section("pricing", schema=Path(__file__).with_name("pricing.schema.json"),
                           required_by=("quote_price",))
