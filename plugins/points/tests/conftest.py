"""Fixtures of the points supermarket's tests: the module on for town A of the shared tree, a
supermarket in village A1 with goods in stock, and accounts with points."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.points.testing import points  # noqa: F401
