"""A module switched off in a town is a 404 there: every route of every plugin, every role.

Each plugin's own route test builds a world of its records in town A with the module on in both
towns; here the module is then switched off in town A only (town B keeps it, so the county's
users still pass the blanket guard, which is how the county admin used to open
``/points/rules?town=<A>``). Every route of the plugin, taken from the URL map, is opened as
every visitor, GET and POST, once with town A's records in the URL and once with ``town=<A>``
in the query and the form. Each answer must be a 404, except where the visitor would be refused
anyway with the module on (403 for a role without the permission, the login page for an
anonymous visitor): a switched-off module must never let anyone further than that.
"""
import pytest

from plugins.associations.tests.conftest import assoc  # noqa: F401  (fixtures)
from plugins.associations.tests.test_routes import ROUTES as ASSOCIATIONS_ROUTES
from plugins.associations.tests.test_routes import build as associations_build
from plugins.associations.tests.test_routes import world as associations_world  # noqa: F401
from plugins.best_grid.tests.conftest import contest, contest_world  # noqa: F401
from plugins.best_grid.tests.test_routes import ROUTES as BEST_GRID_ROUTES
from plugins.best_grid.tests.test_routes import build as best_grid_build
from plugins.best_grid.tests.test_routes import world as best_grid_world  # noqa: F401
from plugins.mutual_aid.tests.conftest import aid  # noqa: F401
from plugins.mutual_aid.tests.test_routes import ROUTES as MUTUAL_AID_ROUTES
from plugins.mutual_aid.tests.test_routes import build as mutual_aid_build
from plugins.mutual_aid.tests.test_routes import world as mutual_aid_world  # noqa: F401
from plugins.points.tests.conftest import points  # noqa: F401
from plugins.points.tests.test_routes import ROUTES as POINTS_ROUTES
from plugins.points.tests.test_routes import build as points_build
from plugins.points.tests.test_routes import world as points_world  # noqa: F401
from plugins.volunteers.tests.conftest import vol  # noqa: F401
from plugins.volunteers.tests.test_routes import ROUTES as VOLUNTEERS_ROUTES
from plugins.volunteers.tests.test_routes import build as volunteers_build
from plugins.volunteers.tests.test_routes import world as volunteers_world  # noqa: F401
from portal.extensions import db
from portal.modules.services import set_module
from portal.plugins import BUILTIN_PLUGINS, host
from portal.testing import VISITORS, expected_status, routes_of

#: plugin -> (its route table, its URL builder); the world fixture is "<plugin>_world".
PLUGINS = {
    "points": (POINTS_ROUTES, points_build),
    "volunteers": (VOLUNTEERS_ROUTES, volunteers_build),
    "mutual_aid": (MUTUAL_AID_ROUTES, mutual_aid_build),
    "associations": (ASSOCIATIONS_ROUTES, associations_build),
    "best_grid": (BEST_GRID_ROUTES, best_grid_build),
}

#: Visitors whose own scope lies in town A: for them even a page without arguments is town A's.
IN_TOWN_A = {"town_admin", "village_admin", "grid_worker", "info_officer", "assoc_officer",
             "kiosk_operator", "resident"}


def test_every_plugin_is_walked(app):
    built_in = {path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS}
    assert set(PLUGINS) == built_in & set(host(app).optional), (
        "a new plugin: add its route table, URL builder and world to PLUGINS")


def allowed(rule, visitor, endpoint) -> set[int]:
    """What the module being off may answer: 404, or the refusal the visitor gets anyway."""
    with_module_on = expected_status(rule, visitor, endpoint)
    if with_module_on == 403 or (visitor is None and with_module_on == 302):
        return {404, with_module_on}
    return {404}


@pytest.mark.parametrize("plugin", sorted(PLUGINS))
def test_a_module_off_in_a_town_is_a_404_there_for_every_role(app, request, plugin):
    world = request.getfixturevalue(f"{plugin}_world")
    tree = world.tree if hasattr(world, "tree") else world.contest.tree
    table, build = PLUGINS[plugin]
    set_module(tree.town_a, plugin, False)
    set_module(tree.town_b, plugin, True)
    db.session.commit()
    town = tree.town_a.code
    builder = build(app, world)
    client = app.test_client()
    failures, tried = [], 0
    for visitor in VISITORS:
        if visitor:
            client.login(visitor)
        for (endpoint, method), arguments in sorted(routes_of(app, plugin).items()):
            if endpoint.endswith(".static"):
                continue  # CSS and scripts hold no data and public pages need them
            rule = table[(endpoint, method)]
            url = builder(endpoint, arguments)
            variants = [(f"{url}{'&' if '?' in url else '?'}town={town}", {"town": town})]
            if arguments or visitor in IN_TOWN_A:
                variants.append((url, {}))
            for target, extra in variants:
                if method == "GET":
                    response = client.get(target)
                else:
                    response = client.post(target, data={**dict(rule.data), **extra})
                tried += 1
                want = allowed(rule, visitor, endpoint)
                if response.status_code not in want:
                    failures.append(f"{visitor or 'anonymous'} {method} {target}: "
                                    f"{response.status_code}, expected {sorted(want)}")
                elif response.status_code == 302 and "/login" not in response.location:
                    failures.append(f"anonymous {method} {target}: off to {response.location}")
        if visitor:
            client.logout()
    assert tried > 0
    assert not failures, "\n".join(failures)
