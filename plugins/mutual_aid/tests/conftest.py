"""The mutual-aid module on for town A, and a group in grid A1 with its two households."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.mutual_aid.testing import aid  # noqa: F401
