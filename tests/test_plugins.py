"""The plugin system: every hook proven by the example plugin, per-town switching, failures."""
import inspect
import sys

import pytest

from portal import hookspecs
from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.modules.services import set_module
from portal.plugins import BUILTIN_PLUGINS, host
from tests.fixture_plugins import example
from tests.fixture_plugins.example.models import ExampleNote

BUILTIN_NAMES = {path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS}


def _events(name):
    return [data for event, data in example.EVENTS if event == name]


@pytest.fixture(autouse=True)
def clear_events():
    example.EVENTS.clear()


def test_every_hook_has_a_test_and_an_example_implementation():
    specs = [name for name, obj in inspect.getmembers(hookspecs)
             if inspect.isfunction(obj) and hasattr(obj, "portal_spec")]
    assert len(specs) >= 15
    tests = [name for name in globals() if name.startswith("test_hook_")]
    for spec in specs:
        assert hasattr(example, spec), f"the example plugin does not implement {spec}"
        assert any(f"test_hook_{spec}" in test for test in tests), f"no test for hook {spec}"


# ---------------------------------------------------------------- set-up hooks


def test_hook_configure_app(app):
    assert app.config["EXAMPLE_GREETING"] == "你好"


def test_hook_register_blueprints_and_blueprint_is_404_where_module_is_off(client, example_on):
    client.login("town_admin")
    assert client.get("/example/").status_code == 200
    client.logout()
    client.login("b_town_admin")
    assert client.get("/example/").status_code == 404
    client.logout()
    assert client.get(f"/example/public/{example_on.town_a.code}").status_code == 200
    assert client.get(f"/example/public/{example_on.town_b.code}").status_code == 404


def test_hook_document_types_renders_where_the_module_is_on(client, example_on):
    from io import BytesIO

    from pypdf import PdfReader

    from portal.documents import document_types

    assert document_types()["example_note"].plugin == "example"
    client.login("town_admin")
    answer = client.get(f"/documents/example_note/{example_on.grid_a1.id}.pdf")
    assert answer.status_code == 200
    assert "示例文书" in PdfReader(BytesIO(answer.data)).pages[0].extract_text()
    client.logout()
    client.login("b_town_admin")  # off in town B: the kind does not exist there
    assert client.get(f"/documents/example_note/{example_on.grid_b1.id}").status_code == 404


def test_hook_register_migrations(app):
    dirs = host(app).migration_dirs
    assert any(d.endswith("example/migrations/versions") for d in dirs)


def test_hook_register_permissions(client, example_on):
    from portal.permissions import permission_registry

    assert "example.view" in permission_registry()
    client.login("village_admin")  # not among the roles the plugin grants
    assert client.get("/example/").status_code == 403


def test_hook_register_commands(runner):
    result = runner.invoke(args=["example-hello"])
    assert result.exit_code == 0 and "你好 from example" in result.output


def test_hook_register_scale_demo_data_writes_in_bulk_where_marked(app):
    from portal.demo_scale import load_scaled
    from portal.modules.services import enabled_modules

    generator = load_scaled(0.002, echo=lambda *a: None)
    marked = [t for t in generator.towns if t["modules"]]
    notes = db.session.scalars(db.select(ExampleNote).where(ExampleNote.text.like("scale note%"))).all()
    assert marked and sorted(n.grid_id for n in notes) == sorted(t["id"] for t in marked)
    assert generator.counts["example_notes"] == len(marked)
    assert "example" in enabled_modules(db.session.get(Grid, marked[0]["id"]))


def test_hook_register_demo_data_only_for_towns_with_the_module(example_on):
    """What ``portal demo`` does for the modules (portal.demo.load_module_demos, which load_demo
    calls with the demo's towns), on the tree: the example is on in town A only. The whole demo
    is not built here: with the example plugin loaded it would be a second demo snapshot."""
    from portal.demo import load_module_demos

    towns = [example_on.town_a, example_on.town_b]
    load_module_demos(towns)
    load_module_demos(towns)  # idempotent
    notes = db.session.scalars(db.select(ExampleNote)).all()
    assert [n.grid_id for n in notes] == [example_on.town_a.id]


def test_hook_plugin_info(client, tree):
    client.login("town_admin")
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "示例模块" in page and "测试用的示例模块" in page


def test_hook_audit_labels_name_a_plugins_entries_in_the_log(client, tree):
    from portal import audit

    note = ExampleNote(grid_id=tree.town_a.id, text="便条")
    db.session.add(note)
    db.session.flush()
    audit.record("example.note", note, scope_code=tree.town_a.code, text="你好")
    db.session.commit()
    client.login("town_admin")
    page = client.get("/admin/audit?action=example.").get_data(as_text=True)
    row = page.split("<tbody>")[1].split("</tr>")[0]
    # named in the row; the codes only in the raw entry kept for administrators
    assert "写示例便条" in row and f"示例便条 #{note.id}" in row and "便条内容：你好" in row
    assert row.split("<details")[0].count("example.note") == 1  # the filter link's URL only
    assert "ExampleNote" not in row.split("<details")[0]


# ---------------------------------------------------------------- UI hooks


def test_hook_menu_links_only_where_on(client, example_on):
    client.login("town_admin")
    assert 'href="/example/"' in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert 'href="/example/"' not in client.get("/").get_data(as_text=True)


def test_hook_dashboard_cards_only_where_on(client, example_on):
    client.login("village_admin")
    assert "example card for 城西社区" in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert "example card" not in client.get("/").get_data(as_text=True)


def test_hook_today_items_only_where_on(client, example_on):
    client.login("grid_worker")
    home = client.get("/").get_data(as_text=True)
    assert "示例待办 第一网格" in home and 'id="today-example.todo"' in home
    assert "示例待办" in client.get("/today/sheet").get_data(as_text=True)
    client.logout()
    client.login("b_grid_worker")
    assert "示例待办" not in client.get("/").get_data(as_text=True)


def test_hook_notification_channels(app):
    from portal.notifications.channels import all_channels, personal_channels

    assert all_channels()["example_group"].groups
    assert "example_group" not in personal_channels()


def test_hook_send_notification(app):
    from portal.notifications.messages import Message, Recipient

    assert app.extensions["portal_plugins"].pm.hook.send_notification(
        channel="example_group", recipient=Recipient(address="g1"),
        message=Message("example", "示例消息", "正文")) is True
    assert _events("send_notification") == [{"address": "g1", "subject": "示例消息"}]


def test_hook_notification_groups_only_where_on(example_on):
    from portal.notifications.models import Notification
    from portal.notifications.outbox import notify

    notify("example", "x:a", subject="s", body="b", grid=example_on.grid_a1)
    notify("example", "x:b", subject="s", body="b", grid=example_on.grid_b1)
    rows = db.session.scalars(db.select(Notification).filter_by(channel="example_group")).all()
    assert [row.address for row in rows] == [example_on.grid_a1.code]


def test_hook_sms_providers(app):
    from portal.notifications.messages import Message, Recipient

    app.config["SMS_PROVIDER"] = "example"
    app.extensions["portal_plugins"].pm.hook.send_notification(
        channel="sms", recipient=Recipient(address="13900001111"),
        message=Message("case_assigned", "s", "b", id=4))
    assert _events("sms") == [{"phone": "13900001111", "out_id": "4", "text": "s：b"}]


def test_hook_notification_events(app):
    from portal.notifications.events import CORE_EVENTS, all_events

    events = all_events()
    assert events["example"] == "示例通知" and set(CORE_EVENTS) <= set(events)


def test_hook_scheduled_notifications_only_where_on_and_once(example_on):
    from portal.notifications.models import Notification
    from portal.worker import scheduled_round

    assert scheduled_round() >= 2  # every town had its round
    scheduled_round()  # a later round of the same day
    assert _events("scheduled_notifications") == [{"town": example_on.town_a.code}] * 2
    rows = db.session.scalars(db.select(Notification).filter_by(event="example")).all()
    assert [(row.channel, row.address) for row in rows] == [("example_group",
                                                              example_on.town_a.code)]


def test_county_sees_modules_any_of_its_towns_uses(client, example_on):
    client.login("county_admin")
    assert "example card for 湘阴县" in client.get("/").get_data(as_text=True)


def test_hook_grid_tabs(client, example_on):
    client.login("town_admin")
    assert "示例标签" in client.get(f"/grids/{example_on.grid_a1.id}").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert "示例标签" not in client.get(f"/grids/{example_on.grid_b1.id}").get_data(as_text=True)


def test_hook_town_template_parts_only_where_the_module_is_on(app, example_on):
    from portal.settings import get_setting, set_setting
    from portal.town_templates import parts_for, service

    assert "example.greeting" in parts_for(example_on.town_a)
    assert "example.greeting" not in parts_for(example_on.town_b)
    set_setting(example_on.town_a, "example.greeting", "早上好")
    document = service.export_document(example_on.town_a)
    assert document["parts"]["example.greeting"] == {"greeting": "早上好"}
    # off in town B: listed as skipped, by the module's name, and not written
    planned = service.apply(example_on.town_b, document, None)
    assert planned.skipped == [("example.greeting", "示例模块")]
    assert get_setting(example_on.town_b, "example.greeting", None) is None


def test_hook_household_file_parts_on_the_page_and_in_print_where_the_module_is_on(
        client, example_on):
    from portal.documents.testing import pdf_text

    client.login("town_admin")
    household = example_on.household_a
    assert "example part for 城西路1号" in client.get(
        f"/people/households/{household.id}").get_data(as_text=True)
    assert "example part for 城西路1号" in pdf_text(
        client.get(f"/documents/household_file/{household.id}.pdf"))
    client.logout()
    client.login("b_town_admin")  # the module is off in town B
    page = client.get(f"/people/households/{example_on.household_b.id}").get_data(as_text=True)
    assert "示例户档" not in page and "example part" not in page


def test_hook_template_slot(client, example_on):
    client.login("town_admin")
    assert "example slot" in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert "example slot" not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- decisions


def test_hook_check_permission_lets_a_plugin_decide_first(client, example_on):
    client.login("resident")  # the core gives residents nothing; the plugin lets them in
    assert client.get("/example/").status_code == 200


def test_hook_check_permission_is_not_asked_where_module_is_off(client, tree):
    client.login("resident")
    assert client.get("/example/").status_code == 404


def test_hook_landing_page_at_login_and_home_only_where_the_module_is_on(client, example_on):
    from portal.auth.services import create_user
    from portal.testing import PASSWORD

    for name, village in (("reader", example_on.village_a1), ("b_reader", example_on.village_b1)):
        create_user(username=name, password=PASSWORD, role="example_reader", scope=village)
    db.session.commit()
    login = client.post("/login", data={"login": "reader", "password": PASSWORD})
    assert login.location == "/example/"  # the role's own start, not the home page
    assert client.get("/").location == "/example/"
    client.logout()
    assert client.post("/login?next=/grids/", data={"login": "reader", "password": PASSWORD}
                       ).location == "/grids/"  # a page asked for still wins
    client.logout()
    # town B has the module off: its reader starts on the home page like everyone else
    assert client.post("/login", data={"login": "b_reader", "password": PASSWORD}
                       ).location == "/"
    assert client.get("/").status_code == 200
    client.logout()
    client.login("town_admin")  # other roles: the home page
    assert client.get("/").status_code == 200


def test_hook_points_award_requested_answers_only_where_the_module_is_on(example_on):
    from portal.plugins import host

    ask = dict(points=5, reason="志愿服务", source="volunteers.activity:1", actor=None)
    answer = host().hook(example_on.grid_a1, "points_award_requested")(
        resident=example_on.resident_a, **ask)
    assert answer == {"awarded": 5, "source": "volunteers.activity:1"}
    assert host().hook(example_on.grid_b1, "points_award_requested")(
        resident=example_on.resident_b, **ask) is None
    assert [e["name"] for e in _events("points_award_requested")] == ["张三丰"]


def test_hook_grid_measures_only_from_modules_on_in_the_town(example_on):
    from datetime import date

    from portal.plugins import host

    grids = [example_on.grid_a1, example_on.grid_a2]
    measures = host().collect(example_on.town_a, "grid_measures", town=example_on.town_a,
                              grids=grids, since=date(2026, 1, 1), until=date(2026, 3, 31))
    assert [(m.key, m.values) for m in measures] == [
        ("example.letters", {example_on.grid_a1.id: 4, example_on.grid_a2.id: 4})]
    assert host().collect(example_on.town_b, "grid_measures", town=example_on.town_b,
                          grids=[example_on.grid_b1], since=date(2026, 1, 1),
                          until=date(2026, 3, 31)) == []


# ---------------------------------------------------------------- events


def test_hook_grid_created_only_for_towns_with_the_module(example_on):
    from portal.grids.services import create_grid

    create_grid(example_on.village_a1, "grid", "新网格")
    create_grid(example_on.village_b1, "grid", "另一个")
    assert [e["code"] for e in _events("grid_created")] == ["430624001001003"]


def test_hook_grid_changed(example_on):
    from portal.grids.services import retire_grid, update_grid

    update_grid(example_on.grid_a2, name="改名网格")
    retire_grid(example_on.grid_a2)
    assert [e["change"] for e in _events("grid_changed")] == ["update", "retire"]


def test_hook_resident_created(example_on):
    from portal.people.services import add_household, add_resident

    add_resident(add_household(example_on.grid_a1, "新户"), "孙悟空")
    add_resident(add_household(example_on.grid_b1, "新户"), "猪八戒")
    assert _events("resident_created") == [{"name": "孙悟空", "grid": example_on.grid_a1.code}]


def test_hook_module_switched(app, tree):
    set_module(tree.town_b, "example", True)
    set_module(tree.town_b, "example", False)
    set_module(tree.town_b, "example", False)  # no change, no event
    assert [e["enabled"] for e in _events("module_switched")] == [True, False]


# ---------------------------------------------------------------- switching


def test_switching_from_the_module_page_is_audited(client, tree):
    client.login("town_admin")
    response = client.htmx_post(f"/admin/modules/{tree.town_a.id}/example", data={"enabled": "1"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "已开启" in fragment and 'hx-swap-oob="true"' in fragment
    assert client.get("/example/").status_code == 200
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="module.enable"))
    assert entry.user_id == tree.users["town_admin"].id
    assert entry.detail_dict == {"module": "example"}
    client.post(f"/admin/modules/{tree.town_a.id}/example", data={"enabled": "0"})
    assert client.get("/example/").status_code == 404
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="module.disable"))


def test_a_switch_naming_no_state_is_refused_beside_its_button(client, tree):
    client.login("town_admin")
    url = f"/admin/modules/{tree.town_a.id}/example"
    for data in ({}, {"enabled": "yes"}):
        response = client.htmx_post(url, data=data)
        assert response.status_code == 422
        assert 'id="module-example-errors"' in response.get_data(as_text=True)
    assert client.get("/example/").status_code == 404  # still off
    assert not db.session.scalar(db.select(AuditEntry).filter_by(action="module.enable"))


def test_a_town_admin_cannot_switch_another_town(client, tree):
    client.login("town_admin")
    assert client.post(f"/admin/modules/{tree.town_b.id}/example",
                       data={"enabled": "1"}).status_code == 404
    assert client.get(f"/admin/modules?town={tree.town_b.code}").status_code in (200,)
    assert "樟树镇" not in client.get("/admin/modules").get_data(as_text=True)


def test_county_admin_chooses_the_town(client, tree):
    client.login("county_admin")
    page = client.get(f"/admin/modules?town={tree.town_b.code}").get_data(as_text=True)
    assert "功能模块 · 樟树镇" in page
    assert client.get("/admin/modules?town=999").status_code == 404


def test_only_towns_switch_modules(app, tree):
    with pytest.raises(DomainError):
        set_module(tree.village_a1, "example", True)
    with pytest.raises(DomainError):
        set_module(tree.town_a, "nonexistent", True)


def test_cli_enable_disable_list(runner, tree):
    result = runner.invoke(args=["plugins", "enable", "example", "--town", tree.town_a.code])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["plugins", "list", "--town", tree.town_a.code]).output
    assert "example" in listing and " on " in listing
    runner.invoke(args=["plugins", "disable", "example", "--town", tree.town_a.code])
    listing = runner.invoke(args=["plugins", "list", "--town", tree.town_a.code]).output
    assert " off " in listing
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action.in_(["module.enable", "module.disable"]))) == 2
    bad = runner.invoke(args=["plugins", "enable", "example", "--town", tree.village_a1.code])
    assert bad.exit_code != 0


# ---------------------------------------------------------------- failures and discovery


BROKEN = ["tests.fixture_plugins.broken_import", "tests.fixture_plugins.broken_setup",
          "tests.fixture_plugins.wrongprefix"]


@pytest.mark.parametrize("plugins_extra", [[example.__name__, *BROKEN]])
def test_broken_plugins_are_listed_and_the_rest_works(client, tree):
    plugins = host()
    assert set(plugins.failed) == {"broken_import", "broken_setup", "wrongprefix"}
    assert "not installed" in plugins.failed["broken_import"]
    assert "exploded" in plugins.failed["broken_setup"]
    assert "misnamed_things" in plugins.failed["wrongprefix"]
    assert set(plugins.optional) == {"example", *BUILTIN_NAMES}
    client.login("town_admin")
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "加载失败的模块" in page and "blueprint set-up exploded" in page
    assert client.get("/").status_code == 200


def test_broken_plugins_are_logged(make_app, app_config, caplog):
    make_app({**app_config, "PLUGINS_EXTRA": ["tests.fixture_plugins.broken_setup"]})
    assert "broken_setup failed" in caplog.text


def test_entry_point_plugins_are_discovered(make_app, app_config, monkeypatch):
    from importlib.metadata import EntryPoint

    import portal.plugins as plugins_module

    points = [EntryPoint("example", "tests.fixture_plugins.example", "portal.plugins"),
              EntryPoint("broken_import", "tests.fixture_plugins.broken_import", "portal.plugins")]
    monkeypatch.setattr(plugins_module, "entry_points",
                        lambda group: points if group == "portal.plugins" else [])
    app = make_app({**app_config, "PLUGINS_EXTRA": [], "PLUGINS_ENTRY_POINTS": True})
    assert "example" in host(app).optional
    assert "broken_import" in host(app).failed


def test_hook_tracing_switch(make_app, app_config, monkeypatch, capsys):
    monkeypatch.setenv("PORTAL_TRACE_HOOKS", "1")
    app = make_app(app_config)
    with app.app_context():
        host(app).pm.hook.plugin_info()
    assert "plugin_info" in capsys.readouterr().out


def test_hook_case_created_and_test_hook_case_state_changed_only_where_on(example_on):
    from portal.cases.services import act, report

    fields = dict(category="dispute", title="纠纷", description="吵架", source="patrol")
    case_a = report(example_on.grid_a1, reporter=example_on.users["grid_worker"], **fields)
    report(example_on.grid_b1, reporter=example_on.users["b_grid_worker"], **fields)
    act(case_a, example_on.users["village_admin"], "assign",
        assignee=example_on.users["grid_worker"])
    assert [e["number"] for e in _events("case_created")] == [case_a.number]
    assert _events("case_state_changed") == [{"number": case_a.number, "old": "received",
                                              "new": "assigned", "action": "assign"}]


# ---------------------------------------------------------------- what a plugin owns


def test_hook_add_hookspecs_and_plugin_hooks_live_in_their_plugin(app):
    pm = host(app).pm
    assert pm.hook.example_ping(text="hi") == ["example: hi"]  # the example's own spec
    # hooks used only between plugins are declared by the plugin that answers them
    assert not hasattr(hookspecs, "points_award_requested")
    assert not hasattr(hookspecs, "grid_measures")
    assert pm.hook.points_award_requested.spec.namespace.__name__ == "plugins.points.hookspecs"
    assert pm.hook.grid_measures.spec.namespace.__name__ == "plugins.best_grid.hookspecs"
    assert pm.hook.points_award_requested.spec.opts["firstresult"]


def test_a_hook_of_an_absent_plugin_answers_nothing(make_app, app_config):
    app = make_app({**app_config, "PLUGINS_EXTRA": []})  # nobody declares example_ping
    with app.app_context():
        db.create_all()
        town = Grid(code="430624001", name="镇", level="town")
        assert host(app).hook(town, "example_ping")(text="hi") is None
        assert host(app).collect(town, "example_ping", text="hi") == []


def test_hook_register_roles(client, example_on):
    from portal.auth.services import create_user
    from portal.permissions import CORE_ROLES, can, role_label, role_registry
    from portal.testing import PASSWORD

    assert role_registry()["example_reader"].scope_levels == ("village", "grid")
    # every role but the core's has its plugin; the example's is the example's
    core = {role.name for role in CORE_ROLES}
    assert set(host().role_owner) == set(role_registry()) - core
    assert host().role_owner["example_reader"] == "example"
    assert set(host().role_owner.values()) <= set(host().optional)
    reader = create_user(username="reader", password=PASSWORD, role="example_reader",
                         scope=example_on.village_a1)
    db.session.commit()
    assert role_label("example_reader") == "示例读者" and can(reader, "example.view")
    client.login("reader")
    assert client.get("/example/").status_code == 200
    client.logout()
    client.login("town_admin")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="example_reader"' in page  # a town admin may give the plugin's role


def test_a_user_whose_role_plugin_is_gone_holds_nothing_and_breaks_nothing(make_app, app_config,
                                                                            tree):
    from portal import create_app
    from portal.auth.services import create_user
    from portal.testing import PASSWORD, PortalClient

    create_user(username="reader", password=PASSWORD, role="example_reader",
                scope=tree.village_a1)
    db.session.commit()
    bare = create_app({**app_config, "PLUGINS_EXTRA": []})  # the same database, no example
    bare.test_client_class = PortalClient
    try:
        with bare.app_context():
            from portal.auth.models import User
            from portal.permissions import assignable_roles, can, role_label

            user = db.session.scalar(db.select(User).filter_by(username="reader"))
            assert role_label("example_reader") == "example_reader"
            assert not can(user, "grids.view") and assignable_roles(user) == []
        client = bare.test_client()
        client.login("reader")
        page = client.get("/")
        assert page.status_code == 200 and "example_reader" in page.get_data(as_text=True)
        client.logout()
        client.login("county_admin")
        assert "example_reader" in client.get("/admin/users?q=reader").get_data(as_text=True)
    finally:
        with bare.app_context():
            db.session.remove()
            db.engine.dispose()


def test_registration_by_convention(app):
    """The built-in plugins name no blueprint, migration folder or models: the host finds them."""
    from pathlib import Path

    plugins = host(app)
    for name in BUILTIN_NAMES:
        module = plugins.optional[name]
        assert not hasattr(module, "register_blueprints") and not hasattr(
            module, "register_migrations"), f"{name} repeats what the convention says"
        assert Path(plugins.migrations[name]) == Path(module.__file__).parent / "migrations" / \
            "versions"
        assert plugins.blueprint_owner[name] == name
    assert plugins.blueprint_owner["points_kiosk"] == "points"  # every Blueprint of blueprint.py
    assert "points_ledger" in db.metadata.tables or any(
        t.startswith("points_") for t in db.metadata.tables)  # models imported by the host
    assert app.blueprints["mutual_aid"].jinja_loader is not None
    assert "/points/static/<path:filename>" in {r.rule for r in app.url_map.iter_rules()}
    # an explicit hook still wins: the example registers its blueprint and branch itself
    assert plugins.migrations["example"].endswith("example/migrations/versions")


def test_hook_testing_fixtures_and_test_hook_testing_records_and_test_hook_testing_routes(
        app, tree):
    from portal.plugin_testing import ask, installed_names, plugin_records, plugin_routes

    assert installed_names() == BUILTIN_NAMES
    # the built-in plugins answer by convention (their testing.py), the example by its hooks
    modules = ask(host(app).pm, "testing_fixtures")
    assert all(modules.count(f"plugins.{name}.testing") == 1 for name in BUILTIN_NAMES)
    implementers = {impl.plugin_name for impl in host(app).pm.hook.testing_fixtures.get_hookimpls()}
    assert implementers.isdisjoint(BUILTIN_NAMES) and None in modules  # the example's own answer
    for name in host(app).optional:
        set_module(tree.town_a, name, True)
        set_module(tree.town_b, name, True)
    records = plugin_records(app, tree)
    assert set(records) == BUILTIN_NAMES | {"example"}
    assert records["example"].url_values["town_code"] == tree.town_a.code
    assert all(records[name].markers for name in BUILTIN_NAMES)
    assert set(plugin_routes(app)) == BUILTIN_NAMES


def test_hook_testing_roles(app, tree):
    """Every built-in plugin's role has its test user in the tree (and its reviewed
    permissions): the core's tests visit every page as it without naming it."""
    from portal.plugin_testing import plugin_roles
    from portal.testing import VISITORS

    roles = plugin_roles()
    owned = {role for role, owner in host(app).role_owner.items() if owner in BUILTIN_NAMES}
    assert set(roles) == owned, "a plugin's new role: answer testing_roles for it"
    for role, declared in roles.items():
        assert tree.users[role].role == role and role in VISITORS
        assert tree.users[role].scope_id == getattr(tree, declared.scope).id
        assert declared.permissions, role


# ---------------------------------------------------------------- the core never imports a plugin


def _imports(path) -> set[str]:
    """Every module a source file imports: import statements anywhere (inside functions too)
    and importlib.import_module / __import__ calls with a literal name."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value)
    return found


def test_core_never_imports_a_plugin():
    """Walk every module of portal/ and fail on any import naming the plugins package or one
    plugin (the built-in list holds names, and is the only place that does)."""
    import pathlib

    core = pathlib.Path(sys.modules["portal"].__file__).parent
    plugin_packages = {path.rsplit(".", 1)[-1] for path in BUILTIN_PLUGINS}
    offenders = []
    for path in sorted(core.rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "plugins" or top in plugin_packages or top == "tests":
                offenders.append(f"{path.relative_to(core.parent)}: {name}")
    assert not offenders, "\n".join(offenders)


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from plugins.points import ledger\n"
                      "    importlib.import_module('plugins.best_grid')\n", encoding="utf-8")
    assert {"plugins.points", "plugins.best_grid"} <= _imports(source)
