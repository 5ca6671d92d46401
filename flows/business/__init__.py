"""Business logic the flows' actions call: pricing, bookings, surveys, complaints, loyalty.

Each module owns one script section (see flows/sections.py) and its rules; it knows nothing
about the conversation runtime or channels. Database access goes through ``storage``.
"""
