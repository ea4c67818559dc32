"""The grid_work module on for town A with each part's records (see plugins/grid_work/testing.py)."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.grid_work.testing import grid_work  # noqa: F401
