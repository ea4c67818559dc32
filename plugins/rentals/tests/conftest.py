"""The rentals module on for town A, a let house in grid A1 with tenants, a resident away."""

# The fixtures live in the plugin's testing module, where the core's tests find them too.
from plugins.rentals.testing import rentals  # noqa: F401
