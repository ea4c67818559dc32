"""The rentals plugin's part of the test machinery (imported only by tests): its records in the
two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures every
test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The rentals module on for town A; in grid A1 张三丰's house let since 100 days ago, with a tenant
from outside the county whose registration expires in 10 days, one whose registration runs a
year, and one who left; 王小明 (grid A1) living in 广州 (户在人不在).
"""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today
from portal.uploads import photo_dir

#: The tenants' full numbers: no page may show them.
TENANT_ID = "430624199003030032"
TENANT_PHONE = "13977776666"
LETTER = "rentals-route-test.jpg"


def make_rentals(tree):
    from plugins.rentals import services
    from portal.people.models import Resident

    set_module(tree.town_a, "rentals", True)
    worker = tree.users["grid_worker"]
    today = local_today()
    letting = services.let_house(tree.resident_a, started_on=today - timedelta(days=100),
                                 rooms=3, actor=worker)
    expiring = services.add_tenant(
        letting, name="外来租客甲", id_number=TENANT_ID, phone=TENANT_PHONE,
        moved_in_on=today - timedelta(days=90), registration_number="ZZ-2026-001",
        registered_on=today - timedelta(days=90),
        registration_expires_on=today + timedelta(days=10), actor=worker)
    settled = services.add_tenant(
        letting, name="外来租客乙", moved_in_on=today - timedelta(days=60),
        registration_number="ZZ-2026-002", registered_on=today - timedelta(days=60),
        registration_expires_on=today + timedelta(days=300), actor=worker)
    left = services.add_tenant(letting, name="搬走租客丙", moved_in_on=today - timedelta(days=80),
                               registration_expires_on=today + timedelta(days=5), actor=worker)
    services.end_tenant(left, today - timedelta(days=20), actor=worker)
    photo_dir().mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(photo_dir() / LETTER, "JPEG")
    letting.letter = LETTER
    wang = db.session.query(Resident).filter_by(name="王小明").one()
    away = services.record_away(wang, place="广东省广州市白云区", since=today - timedelta(days=200),
                                reason="work", actor=worker)
    db.session.commit()
    return SimpleNamespace(tree=tree, letting=letting, tenant=expiring, settled=settled, left=left,
                           away=away, wang=wang)


@pytest.fixture
def rentals(app, tree):
    return make_rentals(tree)


def make_route_world(world):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on in
    both towns."""
    set_module(world.tree.town_b, "rentals", True)
    db.session.commit()
    return world


def url_values(world) -> dict:
    return {"letting_id": world.letting.id, "tenant_id": world.tenant.id,
            "resident_id": world.wang.id, "away_id": world.away.id}


# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(w.letting, "address")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("rentals", ROUTES, world=lambda tree: make_route_world(make_rentals(tree)),
                        build=build, listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_rentals(tree))
    return PluginRecords("rentals", url_values(world),
                         markers=("外来租客甲", "广东省广州市白云区"), records=world)
