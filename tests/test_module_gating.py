"""A module switched off in a town is a 404 there: every route of every plugin, every role.

Each plugin's own route test builds a world of its records in town A with the module on in both
towns (the core asks for it through the plugin's ``testing_routes`` hook); here the module is then
switched off in town A only (town B keeps it, so the county's users still pass the blanket guard,
which is how the county admin used to open ``/points/rules?town=<A>``). Every route of the plugin,
taken from the URL map, is opened as every visitor, GET and POST, once with town A's records in
the URL and once with ``town=<A>`` in the query and the form. Each answer must be a 404, except
where the visitor would be refused anyway with the module on (403 for a role without the
permission, the login page for an anonymous visitor): a switched-off module must never let anyone
further than that.
"""
import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.plugin_testing import installed_names, plugin_routes
from portal.plugins import BUILTIN_PLUGINS, host
from portal.testing import VISITORS, expected_status, routes_of, tree_users

#: Visitors whose own scope lies in town A (every tree user but the county's): for them even a
#: page without arguments is town A's.
IN_TOWN_A = {role for role, node in tree_users().items() if node != "county"}


def test_every_plugin_is_walked(app):
    built_in = {path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS}
    assert set(plugin_routes(app)) == built_in & set(host(app).optional), (
        "a new plugin: answer the testing_routes hook (its route table, world and URL builder)")


def allowed(rule, visitor, endpoint) -> set[int]:
    """What the module being off may answer: 404, or the refusal the visitor gets anyway."""
    with_module_on = expected_status(rule, visitor, endpoint)
    if with_module_on == 403 or (visitor is None and with_module_on == 302):
        return {404, with_module_on}
    return {404}


@pytest.mark.parametrize("plugin", sorted(installed_names()))
def test_a_module_off_in_a_town_is_a_404_there_for_every_role(app, tree, plugin):
    routes = plugin_routes(app)[plugin]
    world = routes.world(tree)
    table, build = routes.table, routes.build
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
