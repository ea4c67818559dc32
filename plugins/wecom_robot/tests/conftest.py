"""Fixtures of the WeCom group robots' tests (they live in the plugin's testing module, where the
core's tests find them too)."""
from plugins.wecom_robot.testing import robots  # noqa: F401
