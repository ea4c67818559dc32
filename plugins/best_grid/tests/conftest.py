"""The best-grid module on for town A: class 示范 (grids A1 and A2) and class 提升 (grid A3),
cases and visits with known dates, so that scores can be counted by hand."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.best_grid.testing import PERIOD, contest, contest_world, resolved_case  # noqa: F401
