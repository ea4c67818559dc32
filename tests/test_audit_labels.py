"""The audit log names what it shows: every action the code records, every record type and every
detail field has a name in portal.audit.labels or in its plugin's ``audit_labels`` hook, and the
details read as "field: value", with the stored entry kept in a <details> for administrators."""
import ast
from pathlib import Path

from portal import ROOT, audit
from portal.audit.labels import detail_rows, labels
from portal.extensions import db

#: Actions recorded through a variable whose values the callers pass in.
PASSED_IN = {"points.rule_create", "points.rule_update", "points.goods_create",
             "points.goods_update"}
#: Arguments of audit.record that are not details.
NOT_DETAILS = {"scope_code", "user"}


def _record_calls():
    """(file, call) of every audit.record(...) and number search _record(...) in the source."""
    for path in [*Path(ROOT, "portal").rglob("*.py"), *Path(ROOT, "plugins").rglob("*.py")]:
        if "tests" in path.parts or path.name == "testing.py":
            continue
        tree = ast.parse(path.read_text())
        constants = {target.id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and (
                    isinstance(node.func, ast.Attribute) and node.func.attr in ("record", "_record")
                    or isinstance(node.func, ast.Name) and node.func.id == "record"):
                yield path, node, constants


def _codes(node, constants):
    """(exact codes, prefixes) an action argument may hold."""
    if isinstance(node, ast.Constant):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        body, orelse = _codes(node.body, constants), _codes(node.orelse, constants)
        return body[0] | orelse[0], body[1] | orelse[1]
    if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant):
        return set(), {node.left.value}
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}, set()
    return set(), set()


def test_every_recorded_action_and_detail_has_a_name(app):
    names = labels()
    missing, prefixes_seen = [], 0
    for path, call, constants in _record_calls():
        codes, prefixes = _codes(call.args[0], constants)
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        missing += [f"{where}: action {code}" for code in codes if code not in names.actions]
        for prefix in prefixes:
            prefixes_seen += 1
            if not any(code.startswith(prefix) for code in names.actions):
                missing.append(f"{where}: actions {prefix}…")
        missing += [f"{where}: field {k.arg}" for k in call.keywords
                    if k.arg and k.arg not in NOT_DETAILS and k.arg not in names.fields]
    missing += [f"action {code} (passed in)" for code in PASSED_IN if code not in names.actions]
    assert prefixes_seen >= 3  # the scan found the composed codes (volunteers.proxy_ + state …)
    assert not missing, "name them in portal/audit/labels.py or the plugin's audit_labels hook:\n" \
        + "\n".join(missing)


def test_every_record_type_has_a_name(app):
    names = labels()
    types = {mapper.class_.__name__ for mapper in db.Model.registry.mappers}
    assert not types - set(names.objects), "name them in OBJECTS or the plugin's audit_labels"


def test_details_read_as_fields_and_values(app):
    names = labels()
    rows = detail_rows('{"changes": {"name": ["旧名", "新名"], "phone": [null, "****5678"]}, '
                       '"active": true, "grids": ["一组", "二组"]}', names)
    assert rows == [("名称", "旧名 → 新名"), ("手机号", "— → ****5678"), ("启用", "是"),
                    ("网格", "一组、二组")]
    assert detail_rows(None, names) == [] and detail_rows("not json", names) == [("", "not json")]


def test_the_log_shows_names_in_each_language_and_keeps_the_stored_entry(client, tree):
    audit.record("grid.move", tree.grid_a2, scope_code=tree.grid_a2.code,
                 old_code="430624001001002", new_code="430624001002002")
    db.session.commit()
    client.login("town_admin")
    page = client.get("/admin/audit?action=grid.move").get_data(as_text=True)
    shown, stored = page.split("<tbody>")[1].split("<details")
    assert "调整上级网格" in shown and f"网格 #{tree.grid_a2.id}" in shown
    assert "原编码：430624001001002" in shown and "{" not in shown and ">Grid<" not in shown
    assert "<code>grid.move</code>" in stored and "old_code" in stored  # kept for administrators
    client.post("/language", data={"lang": "en"})
    page = client.get("/admin/audit?action=grid.move").get_data(as_text=True)
    shown = page.split("<tbody>")[1].split("<details")[0]
    assert "Grid moved" in shown and "Former code: 430624001001002" in shown
    # and the filter offers the actions by name
    assert '<option value="grid.move" selected>Grid moved</option>' in page
