"""A throwaway plugin that implements every hook, so the tests can prove each one works.

It records the events it receives in EVENTS (per app, keyed by the app's id) for the tests to read.
"""
from pathlib import Path

import click
from flask import Blueprint, current_app, render_template, url_for
from markupsafe import Markup, escape

from portal import hookimpl
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE
from portal.grids.models import Grid as ExampleGrid
from portal.permissions import Permission, Role, requires
from portal.plugins import Card, MenuLink, Tab

from .models import ExampleNote

EVENTS: list[tuple] = []

bp = Blueprint("example", __name__, url_prefix="/example", template_folder="templates",
               static_folder="static")


@bp.route("/")
@requires("example.view")
def index():
    notes = db.session.scalars(db.select(ExampleNote).order_by(ExampleNote.id)).all()
    return render_template("example/index.html", notes=notes)


@bp.route("/public/<town_code>")
def public(town_code):
    return "example public page for " + escape(town_code)


@hookimpl
def plugin_info():
    return {"label": "示例模块", "description": "测试用的示例模块"}


@hookimpl
def audit_labels():
    return {"actions": {"example.note": "写示例便条"}, "objects": {"ExampleNote": "示例便条"},
            "fields": {"text": "便条内容"}}


@hookimpl
def configure_app(app):
    app.config.setdefault("EXAMPLE_GREETING", "你好")


@hookimpl
def register_blueprints():
    return [bp]


@hookimpl
def register_migrations():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_roles():
    return [Role("example_reader", "示例读者", 15, (VILLAGE, GRID),
                 job="Reads the example module's notes (a role that exists only with the plugin).")]


@hookimpl
def register_permissions():
    return [Permission("example.view", "查看示例",
                       ("county_admin", "town_admin", "grid_worker", "example_reader"))]


@hookimpl
def add_hookspecs(pluginmanager):
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def example_ping(text):
    return f"example: {text}"


@hookimpl
def register_commands(cli):
    @cli.command("example-hello")
    def hello():
        """Say hello (proves register_commands)."""
        click.echo(current_app.config["EXAMPLE_GREETING"] + " from example")


@hookimpl
def register_demo_data(town, db):
    exists = db.session.scalar(db.select(ExampleNote.id).filter_by(grid_id=town.id))
    if not exists:
        db.session.add(ExampleNote(grid_id=town.id, text=f"demo note for {town.name}"))


@hookimpl
def register_scale_demo_data(generator):
    from portal.extensions import db
    from portal.grids.models import Grid
    from portal.modules.services import set_module

    notes = []
    for town in generator.towns:
        if town["modules"]:
            set_module(db.session.get(Grid, town["id"]), "example", True)
            notes.append({"id": generator.ids.take(ExampleNote.__table__), "grid_id": town["id"],
                          "text": f"scale note for {town['name']}"})
    generator.write(ExampleNote.__table__, notes)


@hookimpl
def menu_links(user, town):
    return [MenuLink(500, "示例", url_for("example.index"))]


@hookimpl
def dashboard_cards(scope, user):
    return [Card(500, "示例卡片", Markup("<p>example card for {}</p>").format(scope.name))]


@hookimpl
def today_items(user, scope):
    from portal.today import TodayItem

    return [TodayItem("example.todo", f"示例待办 {scope.name}", 1, url_for("example.index"),
                      order=500, module="example")]


@hookimpl
def grid_tabs(grid, user):
    return [Tab(500, "示例标签", url_for("example.index"))]


@hookimpl
def document_types():
    from portal.documents import A5, DocumentType

    return [DocumentType("example_note", "示例文书", ExampleGrid, "example.view",
                         "example/doc_note.html", lambda grid, period: {"issuer": grid.name},
                         lambda grid, period: f"{grid.name} 示例文书", size=A5,
                         levels=(GRID,))]


@hookimpl
def town_template_parts():
    """A town's greeting travels in a town template (样板间)."""
    from portal.settings import get_setting, set_setting
    from portal.town_templates import Change, TemplatePart

    def plan(town, data):
        now = get_setting(town, "example.greeting", "你好")
        return [] if data["greeting"] == now else [Change("示例设置", "问候语", now, data["greeting"])]

    return [TemplatePart("example.greeting", "示例设置",
                         lambda town: {"greeting": get_setting(town, "example.greeting", "你好")},
                         plan, lambda town, data, actor: set_setting(town, "example.greeting",
                                                                     data["greeting"]))]


@hookimpl
def household_file_parts(household, user):
    return [Card(500, "示例户档", Markup("<p>example part for {}</p>").format(household.address))]


@hookimpl
def template_slot(name, context):
    if name == "home_bottom":
        return Markup('<p class="example-slot">example slot</p>')
    return None


@hookimpl
def check_permission(user, action, obj):
    # Residents normally see nothing of this module; this plugin lets them in (a decision hook
    # answering before the core's default).
    if action == "example.view" and user.role == "resident":
        return True
    return None


@hookimpl
def landing_page(user):
    # The plugin's own role starts on the plugin's page (as the points kiosk's operator does).
    if user.role == "example_reader":
        return url_for("example.index")
    return None


@hookimpl(optionalhook=True)  # declared by the points plugin, which may be absent
def points_award_requested(resident, points, reason, source, actor):
    # Stands in for a points module: answers with what it would have awarded.
    _event("points_award_requested", name=resident.name, points=points, source=source)
    return {"awarded": points, "source": source}


@hookimpl(optionalhook=True)  # declared by the best_grid plugin, which may be absent
def grid_measures(town, grids, since, until):
    from portal.plugins import Measure

    return [Measure("example.letters", "示例：网格名称字数", {g.id: len(g.name) for g in grids})]


def _event(event, /, **data):
    EVENTS.append((event, data))


@hookimpl
def grid_created(grid, actor):
    _event("grid_created", code=grid.code)


@hookimpl
def grid_changed(grid, change, actor):
    _event("grid_changed", code=grid.code, change=change)


@hookimpl
def resident_created(resident, actor):
    _event("resident_created", name=resident.name, grid=resident.grid.code)


@hookimpl
def module_switched(town, name, enabled, actor):
    _event("module_switched", town=town.code, name=name, enabled=enabled)


@hookimpl
def case_created(case, actor):
    _event("case_created", number=case.number)


@hookimpl
def case_state_changed(case, old, new, action, actor):
    _event("case_state_changed", number=case.number, old=old, new=new, action=action)


# ---------------------------------------------------------------- notifications


class _ExampleSms:
    needs_template = False

    def send(self, phone, template_id, params, out_id, text):
        _event("sms", phone=phone, out_id=out_id, text=text)


@hookimpl
def notification_channels():
    from portal.notifications.messages import Channel

    # a group channel: no one's personal choice, so the core's notification tests are unchanged
    return [Channel("example_group", "示例群", groups=True)]


@hookimpl
def send_notification(channel, recipient, message):
    if channel != "example_group":
        return None
    _event("send_notification", address=recipient.address, subject=message.subject)
    return True


@hookimpl
def notification_groups(event, grid):
    # only for its own event: other tests' notifications of a grid stay as they are
    return [("example_group", grid.code)] if event == "example" else []


@hookimpl
def sms_providers():
    return {"example": lambda config: _ExampleSms()}


@hookimpl
def notification_events():
    return {"example": "示例通知"}


@hookimpl
def scheduled_notifications(town, now):
    from portal.notifications.outbox import notify

    _event("scheduled_notifications", town=town.code)
    # one per town and day: the key makes the worker's later rounds of the day add nothing
    notify("example", f"example:{town.code}:{now:%Y-%m-%d}", subject="示例提醒", body="示例",
           town=town, grid=town)


# ---------------------------------------------------------------- the core's test machinery


@hookimpl
def testing_fixtures():
    return None  # a fixture plugin: its tests use the core's fixtures


@hookimpl
def testing_roles():
    return None  # not a built-in plugin: the core's tests give its role no user


@hookimpl
def testing_records(tree):
    from portal.plugin_testing import PluginRecords

    return PluginRecords("example", {"town_code": tree.town_a.code, "filename": "example.css"},
                         not_scoped={"example.public": "the example plugin's public page"})


@hookimpl
def testing_routes():
    return None  # no route matrix of its own: tests/test_plugins.py proves its pages
