"""今日工作 · today's work: "what must I do today?" for each role, on the home page, on a printed
A5 day sheet and in the daily digest.

- ``items``: TodayItem (a number linked to the list of exactly those rows, an urgency, its first
  rows) and TodayRow (one thing to do, with its own link and light);
- ``casework``, ``fieldwork``, ``residents``: the core's items (cases, visits and the register,
  a resident's own cases), a few scoped queries each, never one per row;
- ``listing``: ``items_for(user)`` gathers them with the modules' (the ``today_items`` hook,
  asked only of the modules on in the user's town) and ``as_text(user)`` writes them as plain
  text for a digest;
- ``views``: /today/ (every item's full rows, or one item's with ?item=) and /today/sheet (A5).
"""
from portal.today.items import RED, YELLOW, NONE, TodayItem, TodayRow
from portal.today.listing import as_text, items_for

__all__ = ["TodayItem", "TodayRow", "RED", "YELLOW", "NONE", "items_for", "as_text"]
