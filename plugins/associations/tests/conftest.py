"""The associations module on for town A; a safety association in village A1 run by the
`assoc_officer` login, with two items and two members."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.associations.testing import assoc  # noqa: F401
