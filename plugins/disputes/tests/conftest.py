"""The disputes module on for town A, a dispute at the grid, an agreed one with a visit due."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.disputes.testing import disputes  # noqa: F401
