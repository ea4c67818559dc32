"""Fixtures of the volunteer service's tests: the module on for town A, a team in village A1
led by the `resident` login (a registered resident who volunteers), another volunteer without a
login, and an activity tomorrow evening with two places."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.volunteers.testing import vol  # noqa: F401
