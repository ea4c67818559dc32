"""The Aliyun SMS provider is a deployment's choice, loaded through PLUGINS_EXTRA as a
deployment loads it (it is not a town's module)."""
import pytest


@pytest.fixture
def plugins_extra():
    return ["plugins.sms_aliyun"]
