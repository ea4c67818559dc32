import pytest

# The example plugin's tables are in the metadata from the start: a snapshot (schema, tree, demo)
# is known by the tables imported so far, and tables added midway would have each worker build
# all three again.
import tests.fixture_plugins.example.models  # noqa: F401,E402

EXAMPLE = "tests.fixture_plugins.example"


@pytest.fixture
def plugins_extra():
    # The core's tests run with the example plugin loaded, so every hook and the per-town
    # switching are exercised; it is switched on only where a test says so.
    return [EXAMPLE]


@pytest.fixture
def example_on(app, tree):
    """The example module switched on for town A (not for town B)."""
    from portal.extensions import db
    from portal.modules.services import set_module

    set_module(tree.town_a, "example", True)
    db.session.commit()
    return tree
