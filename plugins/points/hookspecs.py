"""The hook the points supermarket offers other plugins (added to the plugin manager when points
loads). A plugin that implements it marks the implementation ``@hookimpl(optionalhook=True)``;
callers go through ``host().hook(scope, "points_award_requested")``, which answers None in a town
without points and on a portal without the plugin."""
from portal.hookspecs import hookspec


@hookspec(firstresult=True)
def points_award_requested(resident, points, reason, source, actor):
    """Ask the points module to award ``points`` to ``resident`` (to their household's account
    where the town keeps points per household). ``reason`` is what the resident's statement shows
    ("志愿服务 3 小时：清扫村道"); ``source`` is a unique key of the evidence
    ("volunteers.activity:12"): the same source pays an account once, however often it is asked.
    Returns the ledger entry, or None where no points module is on. Call it through
    ``host().hook(resident.grid, "points_award_requested")`` so a town without points is skipped."""
