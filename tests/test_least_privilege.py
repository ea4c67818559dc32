"""Least privilege, written down: each role holds exactly the permissions reviewed against its
job (docs/permissions.md), the published matrix is what the code does, and every page a role is
still offered opens."""
import re
from pathlib import Path

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.permissions import permission_registry, role_registry
from portal.plugins import host
from portal.plugin_testing import needs_plugin, plugin_roles

DOCS = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"

GRID_STAFF_CORE = {"grids.view", "people.view", "people.manage", "people.sensitive",
                   "visits.record", "cases.view", "cases.report", "cases.handle",
                   "dashboard.view"}

#: The reviewed answer, role by role. Widening a role (a plugin's tuple, a core constant) fails
#: here first: change it only with a reason a county's reviewer would accept, then regenerate
#: docs/permissions.md with `portal permissions matrix --output docs/permissions.md`.
EXPECTED = {
    "county_admin": GRID_STAFF_CORE | {
        "grids.manage", "users.manage", "modules.manage", "audit.view", "people.import",
        "people.key_persons", "settings.manage", "settings.template", "cases.dispatch",
        "cases.evaluate", "cases.callback", "calendar.manage",
        "points.view", "points.award", "points.correct", "points.rules", "points.goods",
        "points.cards",
        "volunteers.view", "volunteers.activities", "volunteers.manage", "volunteers.lead",
        "volunteers.pairing", "volunteers.proxy", "volunteers.settings",
        "mutual_aid.view", "mutual_aid.manage", "mutual_aid.record", "mutual_aid.settings",
        "associations.view", "associations.manage", "associations.run", "associations.member",
        "best_grid.view", "best_grid.manage", "best_grid.judge", "wecom_robot.manage",
        "disputes.view", "disputes.report", "disputes.mediate", "disputes.assign",
        "disputes.settings", "rentals.view", "rentals.manage",
        "places.view", "places.manage", "places.inspect", "places.settings",
        "grid_work.view", "grid_work.manage", "grid_work.assess"},
    "town_admin": GRID_STAFF_CORE | {
        "grids.manage", "users.manage", "modules.manage", "audit.view", "people.import",
        "people.key_persons", "settings.manage", "settings.template", "cases.dispatch",
        "cases.evaluate", "cases.callback", "points.view", "points.award", "points.correct",
        "points.rules", "points.goods",
        "points.cards",
        "volunteers.view", "volunteers.activities", "volunteers.manage", "volunteers.lead",
        "volunteers.pairing", "volunteers.proxy", "volunteers.settings",
        "mutual_aid.view", "mutual_aid.manage", "mutual_aid.record", "mutual_aid.settings",
        "associations.view", "associations.manage", "associations.run", "associations.member",
        "best_grid.view", "best_grid.manage", "best_grid.judge", "wecom_robot.manage",
        "disputes.view", "disputes.report", "disputes.mediate", "disputes.assign",
        "disputes.settings", "rentals.view", "rentals.manage",
        "places.view", "places.manage", "places.inspect", "places.settings",
        "grid_work.view", "grid_work.manage", "grid_work.assess"},
    "village_admin": GRID_STAFF_CORE | {
        "grids.manage", "users.manage", "people.import", "cases.dispatch", "cases.evaluate",
        "cases.callback", "points.view", "points.award", "points.correct", "points.goods",
        "points.cards",
        "points.redeem",
        "volunteers.view", "volunteers.activities", "volunteers.manage", "volunteers.lead",
        "volunteers.pairing", "volunteers.proxy",
        "mutual_aid.view", "mutual_aid.manage", "mutual_aid.record",
        "associations.view", "associations.manage", "associations.run", "associations.member",
        "best_grid.view", "wecom_robot.manage",
        "disputes.view", "disputes.report", "disputes.mediate", "rentals.view", "rentals.manage",
        "places.view", "places.manage", "places.inspect", "grid_work.view", "grid_work.manage"},
    # a grid worker files a points claim (申报) for a resident of their grid
    "grid_worker": GRID_STAFF_CORE | {
        "cases.evaluate", "points.view", "points.cards", "points.claim",
        "volunteers.view", "volunteers.activities", "volunteers.pairing", "volunteers.proxy",
        "mutual_aid.view", "mutual_aid.manage", "mutual_aid.record",
        "associations.view", "associations.member", "best_grid.view",
        "disputes.view", "disputes.report", "disputes.mediate", "rentals.view", "rentals.manage",
        "places.view", "places.manage", "places.inspect", "grid_work.own"},
    # the information officer keeps the register: disputes (sensitive) are not theirs
    "info_officer": GRID_STAFF_CORE | {
        "people.import", "cases.callback", "points.view", "points.cards",
        "volunteers.view", "volunteers.activities", "volunteers.proxy",
        "mutual_aid.view", "mutual_aid.record",
        "associations.view", "associations.member", "best_grid.view",
        "rentals.view", "rentals.manage", "places.view", "places.manage"},
    # a department handles the cases passed to it and judges contests: no tree, register or
    # command centre
    "dept_staff": {"cases.view", "cases.report", "cases.handle", "best_grid.view",
                   "best_grid.judge"},
    "resident": {"cases.report", "points.own", "points.claim", "volunteers.activities",
                 "volunteers.self", "associations.member"},
    # a plugin's own roles: reviewed in the plugin (its ``testing_roles`` hook)
    **{role: set(t.permissions) for role, t in plugin_roles().items()},
}


@pytest.fixture
def plugins_extra():
    """The built-in modules only (the core's tests otherwise load the example plugin): the
    published matrix is that of a deployment."""
    return []


def held(app) -> dict[str, set[str]]:
    registry = permission_registry(app)
    return {role: {name for name, perm in registry.items() if role in perm.roles}
            for role in role_registry(app)}


def expected(app) -> dict[str, set[str]]:
    """EXPECTED for the plugins installed (a deleted plugin takes its roles and permissions)."""
    registry = permission_registry(app)
    return {role: EXPECTED[role] & set(registry) for role in role_registry(app)}


def published() -> dict[str, set[str]]:
    """role -> permissions, read back from the table of docs/permissions.md."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("| Permission |"))
    roles = [cell.strip().strip("`") for cell in header.strip("|").split("|")][3:]
    found = {role: set() for role in roles}
    for line in lines:
        match = re.match(r"^\| `([a-z_]+\.[a-z_]+)` \|", line)
        if not match:
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for role, mark in zip(roles, cells[3:], strict=True):
            if mark == "✓":
                found[role].add(match.group(1))
    return found


def test_every_role_holds_exactly_its_reviewed_permissions(app):
    assert set(role_registry(app)) <= set(EXPECTED), "a new role: review it and add it here"
    actual, wanted = held(app), expected(app)
    for role in role_registry(app):
        extra, missing = actual[role] - wanted[role], wanted[role] - actual[role]
        assert not extra and not missing, f"{role}: gained {sorted(extra)}, lost {sorted(missing)}"


def test_the_published_matrix_is_the_reviewed_one(app):
    assert published() == expected(app)


def test_docs_permissions_md_is_what_the_command_writes(app, runner, tmp_path):
    printed = runner.invoke(args=["permissions", "matrix"])
    assert printed.exit_code == 0, printed.output
    assert printed.output == DOCS.read_text(encoding="utf-8"), (
        "docs/permissions.md is stale: run `portal permissions matrix --output "
        "docs/permissions.md` and commit it")
    target = tmp_path / "permissions.md"
    written = runner.invoke(args=["permissions", "matrix", "--format", "markdown",
                                  "--output", str(target)])
    assert written.exit_code == 0 and target.read_text(encoding="utf-8") == printed.output
    refused = runner.invoke(args=["permissions", "matrix", "--format", "pdf"])
    assert refused.exit_code != 0


def test_the_matrix_names_every_permission_and_every_role_with_its_job(app, runner):
    text = runner.invoke(args=["permissions", "matrix"]).output
    for name, perm in permission_registry(app).items():
        assert f"`{name}` | {perm.label} |" in text
    for role, known in role_registry(app).items():
        assert f"### {known.label} · " in text and f"(`{role}`)" in text
    # grouped: the core first, then every module
    plugins = host(app)
    order = [text.index(f"**{title}**") for title in
             ("Core (核心)", *(f"{plugins.info(name)['label']} ({name})" for name in plugins.optional))]
    assert order == sorted(order)


@pytest.fixture
def modules_on(tree):
    for name in host().optional:
        set_module(tree.town_a, name, True)
    db.session.commit()
    return tree


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_page_in_a_roles_menu_opens(app, client, modules_on, role):
    """What a role keeps, it can use: each link of its menu opens (after any redirect)."""
    if role not in role_registry(app):
        pytest.skip(f"{role}: its plugin is not installed")
    client.login(role)
    home = client.get("/")
    if home.status_code == 302:  # a role with its own start page (the kiosk): that page opens
        assert client.get(home.location, follow_redirects=True).status_code == 200
        return
    assert home.status_code == 200
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', home.get_data(as_text=True), re.S)
    links = re.findall(r'href="([^"]+)"', nav.group(1)) if nav else []
    assert links, f"{role} has no menu"
    for link in links:
        response = client.get(link, follow_redirects=True)
        assert response.status_code == 200, f"{role}: {link} answers {response.status_code}"


@needs_plugin("associations")
def test_an_association_officer_enrols_members_without_the_register(app, client, modules_on):
    from plugins.associations import services
    from portal.people.services import add_household, add_resident

    tree = modules_on
    safety = services.create(tree.village_a1, name="平安乡村协会", kind="safety")
    services.add_officer(safety, tree.users["assoc_officer"], "会长")
    other_village = add_household(tree.grid_a3, "凤南一组9号")
    add_resident(other_village, "王小红")
    db.session.commit()
    client.login("assoc_officer")
    for page in ("/people/", "/people/households", "/grids/", "/cases/", "/dashboard/"):
        assert client.get(page).status_code == 403, page

    found = client.get(f"/associations/{safety.id}?q=张三").get_data(as_text=True)
    assert f'name="resident" value="{tree.resident_a.id}"' in found and "第一网格" in found
    from portal.people.masking import mask_id

    assert mask_id(tree.resident_a.id_number) in found  # namesakes told apart by the mask
    assert "430624195001010013" not in found  # never the full number
    assert "13812345678" not in found and "城西路1号" not in found  # no phone, no address
    by_pinyin = client.get(f"/associations/{safety.id}?q=wxm").get_data(as_text=True)
    assert "王小明" in by_pinyin and 'name="resident"' in by_pinyin
    # the village's residents only: another village's 王小红 is not offered
    assert "王小红" not in client.get(f"/associations/{safety.id}?q=王").get_data(as_text=True)
    # digits would make it an oracle for masked numbers: refused, with a message by the field
    digits = client.get(f"/associations/{safety.id}?q=0013").get_data(as_text=True)
    assert "请输入姓名或拼音查找本村居民。" in digits and 'name="resident"' not in digits

    enrolled = client.post(f"/associations/{safety.id}", data={"resident": tree.resident_a.id})
    assert enrolled.status_code == 302
    from plugins.associations.models import AssociationsMember

    assert db.session.scalars(db.select(AssociationsMember.resident_id).filter_by(
        association_id=safety.id)).all() == [tree.resident_a.id]
    # a member is not offered again; a resident of another village cannot be enrolled
    again = client.get(f"/associations/{safety.id}?q=张").get_data(as_text=True)
    assert f'name="resident" value="{tree.resident_a.id}"' not in again
    outsider = add_resident(add_household(tree.grid_a3, "凤南一组10号"), "赵外村")
    db.session.commit()
    refused = client.post(f"/associations/{safety.id}", data={"resident": outsider.id})
    assert refused.status_code == 422
    assert "请从查找结果中选择本村居民。" in refused.get_data(as_text=True)
