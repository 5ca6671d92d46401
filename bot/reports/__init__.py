"""Reports for owners and supervisors, written to files.

    monthly.py    ``careline report monthly``: KPIs, trends, region × service, complaints,
                  voice of the customer as self-contained HTML and CSV
    html.py       the HTML page (inline CSS and SVG, no script)
    svg.py        line and bar charts as SVG strings
    labels.py     texts in Chinese and English, number formats
"""
