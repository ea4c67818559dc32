"""The places module on for town A, a small eatery in grid A1 with an open hazard, a toilet in A2."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.places.testing import places  # noqa: F401
