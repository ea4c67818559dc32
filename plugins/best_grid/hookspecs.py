"""The hook the best-grid contest offers other plugins (added to the plugin manager when
best_grid loads): the figures a contest may score. Implementers mark it
``@hookimpl(optionalhook=True)``, since the contest may be absent."""
from portal.hookspecs import hookspec


@hookspec
def grid_measures(town, grids, since, until):
    """Return a list of portal.plugins.Measure: a figure per base grid over the local dates
    ``since``..``until`` that a contest may score (volunteer hours, mutual-aid problems solved …).
    Called only for the plugins on in ``town``; ``grids`` are the grids asked about."""
