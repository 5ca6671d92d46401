"""Service KPIs for supervisors: the console dashboard and the monthly report.

    period.py     which days (N-day periods, calendar months, trend weeks) and filters
    options.py    the values each filter may take (remembered for a minute)
    metrics.py    the metric definitions and how they are computed from stored sums
    assemble.py   tiles against targets, trends, region × service table, breakdowns
    drill.py      the conversations behind a number
    voc.py        voice of the customer: key phrases of comments and complaints

The sums come from storage (storage/kpi_*.py; contacts are rolled up from the event history
by storage/kpi_rollup.py); targets from the scripts' ``dashboard:`` section.
"""
