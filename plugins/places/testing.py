"""The places plugin's part of the test machinery (imported only by tests): its records in the
two-town tree of portal.testing, as plain functions (``make_…``) and as the pytest fixtures every
test may use (registered by portal.plugin_testing through ``testing_fixtures``).

The places module on for town A; in grid A1 城西小吃店 (a small eatery registered 100 days ago)
with a licence expiring in 10 days, inspected 35 days ago (overdue: monthly) with one failed
item (gas) left as an open hazard with a photo; in grid A2 城西公厕 (a public toilet) inspected
5 days ago.
"""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today
from portal.uploads import photo_dir

#: The eatery's full contact phone: no page may show it without an audited look.
PLACE_PHONE = "13973001234"
HAZARD_PHOTO = "places-route-test.jpg"


def make_places(tree):
    from plugins.places import services
    from plugins.places.kinds import PASS, checklist
    from plugins.places.models import PlacesHazardPhoto

    set_module(tree.town_a, "places", True)
    worker = tree.users["grid_worker"]
    today = local_today()
    place = services.register(tree.grid_a1, name="城西小吃店", kind="small_eatery",
                              address="城西路9号", latitude=28.61, longitude=112.81,
                              person_in_charge="刘老板", contact_phone=PLACE_PHONE, staff_count=4,
                              registered_on=today - timedelta(days=100), actor=worker)
    licence = services.add_licence(place, name="食品经营许可证", number="JY-TEST-001",
                                   expires_on=today + timedelta(days=10), actor=worker)
    results = {item: PASS for item in checklist(place.kind)}
    results["gas"] = "fail"
    inspection = services.inspect(place, inspected_on=today - timedelta(days=35),
                                  results=results,
                                  hazards={"gas": {"description": "液化气钢瓶无减压阀"}},
                                  actor=worker)
    hazard = inspection.hazards[0]
    photo_dir().mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(photo_dir() / HAZARD_PHOTO, "JPEG")
    photo = PlacesHazardPhoto(hazard_id=hazard.id, filename=HAZARD_PHOTO)
    db.session.add(photo)
    other = services.register(tree.grid_a2, name="城西公厕", kind="toilet",
                              registered_on=today - timedelta(days=50), actor=worker)
    services.inspect(other, inspected_on=today - timedelta(days=5),
                     results={item: PASS for item in checklist(other.kind)}, actor=worker)
    db.session.commit()
    return SimpleNamespace(tree=tree, place=place, licence=licence, inspection=inspection,
                           hazard=hazard, photo=photo, other=other)


@pytest.fixture
def places(app, tree):
    return make_places(tree)


def make_route_world(world):
    """The records the route matrix (tests/test_routes.py) fills its URLs from; the module on in
    both towns."""
    set_module(world.tree.town_b, "places", True)
    db.session.commit()
    return world


def url_values(world) -> dict:
    return {"place_id": world.place.id, "licence_id": world.licence.id,
            "hazard_id": world.hazard.id, "photo_id": world.photo.id, "filename": "places.css"}


# ---------------------------------------------------------------- for the core's tests (hooks)


def listed(w) -> list:
    """What the plugin's county lists show of its route world, by which attribute."""
    return [(w.place, "name")]


def testing_routes():
    """The route matrix of tests/test_routes.py, for the core's module-gating tests."""
    from portal.plugin_testing import PluginRoutes

    from .tests.test_routes import ROUTES, build

    return PluginRoutes("places", ROUTES, world=lambda tree: make_route_world(make_places(tree)),
                        build=build, listed=listed)


def testing_records(tree):
    """A record of every kind in town A, for the core's isolation tests."""
    from portal.plugin_testing import PluginRecords

    world = make_route_world(make_places(tree))
    return PluginRecords("places", url_values(world), markers=("城西小吃店", "液化气钢瓶无减压阀"),
                         records=world)
