"""The tenancy layer (portal.tenancy): which town is this, which modules are on, may this user see
this record. Unit tests of each answer; the route tests prove the pages use them."""
import re
from pathlib import Path

import pytest
from flask_login import login_user
from sqlalchemy import event, select
from werkzeug.exceptions import NotFound

from portal import ROOT, tenancy
from portal.extensions import db
from portal.grids.models import Grid
from portal.modules.models import TownModule
from portal.modules.services import set_module
from portal.people.models import Household, KeyPerson, Resident
from portal.plugins import host


def as_user(app, tree, username, path="/"):
    """A request context at ``path`` with ``username`` logged in."""
    context = app.test_request_context(path)
    context.push()
    login_user(tree.users[username])
    return context


# ---------------------------------------------------------------- load_scoped


def test_load_scoped_404s_for_another_towns_record(app, tree):
    context = as_user(app, tree, "town_admin")
    try:
        assert tenancy.load_scoped(Household, tree.household_a.id) is tree.household_a
        with pytest.raises(NotFound):
            tenancy.load_scoped(Household, tree.household_b.id)
        with pytest.raises(NotFound):
            tenancy.load_scoped(Household, 10 ** 9)  # no such row: the same answer
        with pytest.raises(NotFound):
            tenancy.load_scoped(Grid, tree.county.id)  # above the user: not seen
    finally:
        context.pop()


def test_load_scoped_404s_where_the_pages_module_is_off_in_the_records_town(app, tree):
    """On a module's page, a record of a town where the module is off is a 404, even for the
    county's admin (whom the blanket guard lets in because another town has it on)."""
    set_module(tree.town_b, "example", True)  # on in town B only
    db.session.commit()
    context = as_user(app, tree, "county_admin", "/example/")
    try:
        assert tenancy.serving_plugin() == "example"
        assert tenancy.load_scoped(Household, tree.household_b.id) is tree.household_b
        with pytest.raises(NotFound):
            tenancy.load_scoped(Household, tree.household_a.id)
    finally:
        context.pop()
    context = as_user(app, tree, "county_admin", "/")  # a core page: no module to be off
    try:
        assert tenancy.load_scoped(Household, tree.household_a.id) is tree.household_a
    finally:
        context.pop()


def test_a_record_without_a_scope_declaration_is_refused(app, tree):
    row = TownModule(town_id=tree.town_a.id, name="example", enabled=False)
    db.session.add(row)
    db.session.commit()
    user = tree.users["county_admin"]
    assert not hasattr(TownModule, "scope_path")
    assert tenancy.scope_code_of(row) is None
    assert not tenancy.in_scope(user, row)
    assert not tenancy.in_scope(user, object())
    assert tenancy.in_scope(user, None)  # no record: a question about a kind of action
    context = as_user(app, tree, "county_admin")
    try:
        assert not tenancy.visible(row)
        with pytest.raises(NotFound):
            tenancy.load_scoped(TownModule, row.id)
    finally:
        context.pop()


def test_scope_paths_and_seen_from_below(app, tree):
    entry = KeyPerson(resident_id=tree.resident_a.id, category="petitioner")
    db.session.add(entry)
    db.session.commit()
    assert tenancy.scope_code_of(entry) == tree.grid_a1.code
    assert tenancy.scope_code_of(tree.town_a) == tree.town_a.code
    worker = tree.users["grid_worker"]
    assert tenancy.in_scope(worker, tree.resident_a)
    assert not tenancy.in_scope(worker, tree.village_a1)  # above the worker

    class Notice:  # a model seen from below: a village's notice, read by its grid workers
        scope_path = "grid.code"
        scope_seen_from_below = True

        def __init__(self, grid):
            self.grid = grid

    assert tenancy.visible(Notice(tree.village_a1), worker)
    assert tenancy.visible(Notice(tree.grid_a1), worker)
    assert not tenancy.visible(Notice(tree.village_a2), worker)  # beside, not above
    assert not tenancy.in_scope(worker, Notice(tree.village_a1))  # seeing is not acting


def test_every_model_that_hangs_on_a_grid_declares_its_scope(app):
    """A new model with a grid (or a town) is refused everywhere until it says where it lies."""
    missing = []
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        hangs = {"grid", "town", "scope"} & set(mapper.relationships.keys()) \
            or hasattr(cls, "scope_code") or cls is Grid
        if hangs and not getattr(cls, "scope_path", None):
            missing.append(cls.__name__)
    assert not missing, f"declare scope_path on {missing}"


# ---------------------------------------------------------------- in_subtree, towns from codes


@pytest.mark.parametrize("scope_name", ["county", "town_a", "village_a1", "grid_a1", "town_b"])
def test_in_subtree_sql_and_python_agree(app, tree, scope_name):
    scope = getattr(tree, scope_name)
    codes = list(db.session.scalars(select(Grid.code)))
    in_sql = set(db.session.scalars(select(Grid.code).where(tenancy.in_subtree(Grid.code, scope))))
    in_python = {code for code in codes if tenancy.in_subtree(code, scope)}
    assert in_sql == in_python
    assert scope.code in in_sql
    # a code is the same as its grid, and LIKE's wildcards stay literal in both forms
    assert in_python == {code for code in codes if tenancy.in_subtree(code, scope.code)}
    wild = scope.code[:-1] + "_"
    like_wildcard = select(Grid.code).where(tenancy.in_subtree(Grid.code, wild))
    assert not db.session.scalars(like_wildcard).all()
    assert not any(tenancy.in_subtree(code, wild) for code in codes)
    assert not tenancy.in_subtree(None, scope)  # a record on no grid lies nowhere


def test_the_town_is_taken_from_the_code_prefix(app, tree):
    assert tenancy.town_code(tree.grid_a1.code) == tree.town_a.code
    assert tenancy.town_code(tree.special_a.code) == tree.town_a.code
    assert tenancy.town_code(tree.town_b.code) == tree.town_b.code
    assert tenancy.town_code(tree.county.code) is None
    assert tenancy.county_code(tree.grid_b1.code) == tree.county.code
    grid_id, town_id = tree.grid_a3.id, tree.town_a.id
    db.session.expunge_all()  # nothing loaded: the parents are not walked one by one
    grid = db.session.get(Grid, grid_id)
    statements = []

    def count(*args, **kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        town = tenancy.town_of(grid)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert town.id == town_id
    assert len(statements) == 1
    assert tenancy.town_of(town) is town
    assert tenancy.town_of(db.session.get(Grid, tree.county.id)) is None


# ---------------------------------------------------------------- the per-request module cache


def test_set_module_resets_the_request_cache(app, tree):
    context = as_user(app, tree, "town_admin")
    try:
        assert "example" not in tenancy.modules_on(tree.town_a)
        assert "example" not in host().enabled_names(tree.grid_a1)
        assert not tenancy.module_on_at("example", tree.grid_a1.code)
        set_module(tree.town_a, "example", True)
        assert "example" in tenancy.modules_on(tree.town_a)
        assert "example" in host().enabled_names(tree.grid_a1)
        assert tenancy.module_on_at("example", tree.grid_a1.code)
        assert "example" in tenancy.modules_on(tree.county)  # a county: on in any town
        assert "example" not in tenancy.modules_on(tree.town_b)
        assert tenancy.towns_on("example", tree.county) == {tree.town_a.code}
    finally:
        context.pop()


def test_modules_are_looked_up_once_per_request(app, tree):
    context = as_user(app, tree, "county_admin")
    statements = []

    def count(*args, **kwargs):
        statements.append(1)

    try:
        codes = [node.code for node in (tree.town_a, tree.grid_a1, tree.town_b, tree.county)]
        tenancy.modules_on(codes[0])
        event.listen(db.engine, "before_cursor_execute", count)
        for code in codes:
            tenancy.modules_on(code)
            tenancy.module_on_at("example", code)
        assert statements == []
        tenancy.forget_modules()
        tenancy.modules_on(codes[0])
        assert len(statements) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        context.pop()


# ---------------------------------------------------------------- a login's resident


def test_a_login_is_linked_to_its_resident_by_id_number(app, tree):
    user = tree.users["resident"]
    assert tenancy.resident_of(user) is None  # no ID number on the login
    user.id_number = tree.resident_a.id_number
    db.session.commit()
    assert tenancy.resident_of(user) == db.session.get(Resident, tree.resident_a.id)
    assert tenancy.resident_of(None) is None


# ---------------------------------------------------------------- one way to check a scope


#: A scope check written by hand (``code.startswith(user.scope.code)``, ``scope.code.startswith``
#: the other way round, a LIKE on a code): use portal.tenancy's in_subtree / load_scoped instead.
HAND_WRITTEN = re.compile(r"\.startswith\([^)\n]*scope\.code|scope\.code\.startswith\(|"
                          r"\bcode\.like\(|\bin_user_scope\b|\bin_or_above_user_scope\b|"
                          r"\bscoped_near\(")


def test_no_scope_check_is_written_by_hand():
    offenders = []
    for folder in ("portal", "plugins"):
        for path in Path(ROOT, folder).rglob("*.py"):
            if "tests" in path.parts or path.parts[-2] == "tenancy":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if HAND_WRITTEN.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "use portal.tenancy (in_subtree, load_scoped):\n" + "\n".join(offenders)


def test_the_source_check_catches_a_hand_written_check():
    for line in ("if not case.grid.code.startswith(current_user.scope.code):",
                 "ok = current_user.scope.code.startswith(code)",
                 "query.where(Grid.code.like(user.scope.code + '%'))",
                 "if in_user_scope(code):"):
        assert HAND_WRITTEN.search(line), line
    for line in ('if key.startswith("judged:"):', "if in_subtree(code, current_user.scope):"):
        assert not HAND_WRITTEN.search(line), line


def test_the_codes_above_a_node_are_its_path(app, tree):
    assert tenancy.codes_above(tree.grid_a1.code) == [
        tree.county.code, tree.town_a.code, tree.village_a1.code, tree.grid_a1.code]
    assert tenancy.codes_above(tree.county.code) == [tree.county.code]
    assert all(tenancy.in_subtree(tree.grid_a1.code, code)
               for code in tenancy.codes_above(tree.grid_a1.code))
