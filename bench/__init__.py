"""Careline's benchmark harness (``make bench`` / ``python -m bench``).

Messages per second through ``POST /api/chat`` on one uvicorn worker, over SQLite and
PostgreSQL, next to a floor measured in the same run (``POST /api/_bench/floor``: parse the
same JSON, insert one row). Modules: :mod:`bench.traffic` (scripted customers),
:mod:`bench.loadgen` (raw HTTP/1.1 closed- and open-loop load), :mod:`bench.server` (databases
and the server subprocess), :mod:`bench.report` (table and JSON).
"""
