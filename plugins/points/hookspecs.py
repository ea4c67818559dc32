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


@hookspec
def points_award_sources():
    """Return {kind: label} of the deeds this plugin rewards through the points supermarket
    ("associations.year": "协会会员年度得分"): the points rules page lets each town choose the rule
    each kind earns, or none."""


@hookspec(firstresult=True)
def points_award_for_deed(kind, resident, reason, source, actor, share):
    """Ask the points module to reward a deed of ``kind`` (declared by ``points_award_sources``)
    by the rule the resident's town chose for it, at the rule's value for the account's category
    times ``share`` (1 for a whole deed; a year score of 86 out of 100 is 0.86). ``source`` is the
    evidence's unique key (paid once); ``reason`` what the statement shows. Returns the ledger
    entry, or None where the town chose no rule, points are off, or no points module is loaded.
    Call it through ``host().hook(resident.grid, "points_award_for_deed")``."""
