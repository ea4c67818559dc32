"""网格员工作 · grid_work: the grid workers' own work — the daily patrol and the 民情日志
(patrols/), meetings, trainings, leave and responsibility letters (duty/), and the quarterly
百分制 assessment with its subsidy sheet and the five-small rewards (assessment/).

Each part keeps its models, views, templates, services and tests in its own package and answers
the hooks through its ``area`` module (any of: ``audit_labels``, ``menu_links``,
``dashboard_cards``, ``today_items``, ``notification_events``, ``scheduled_notifications``,
``demo``, ``template_slot``, ``case_state_changed``, ``town_template_parts``); this module only
gathers them. Hook implementations only."""
from flask_babel import lazy_gettext as _l

from portal import hookimpl
from portal.permissions import ADMINS, Permission

from .assessment import area as assessment_area
from .duty import area as duty_area
from .patrols import area as patrols_area

#: The parts, in the order their menu links, cards and demo data come.
AREAS = (patrols_area, duty_area, assessment_area)


def _each(hook: str, *args, **kwargs) -> list:
    """What every part answers to ``hook`` (parts without it are skipped)."""
    return [getattr(area, hook)(*args, **kwargs) for area in AREAS if hasattr(area, hook)]


def _joined(hook: str, *args, **kwargs) -> list:
    return [item for answer in _each(hook, *args, **kwargs) for item in answer or []]


@hookimpl
def plugin_info():
    return {"label": _l("网格员工作"),
            "description": _l("网格员每日巡查(定位或扫码)、民情日志日清周结、例会和培训学分、"
                              "外出请假、责任书；百分制季度考核、申诉、补贴表和“五小”奖励。")}


@hookimpl
def register_permissions():
    return [
        Permission("grid_work.own", _l("记录自己的巡查和民情日志、请假、查看自己的考核"),
                   ("grid_worker",)),
        Permission("grid_work.view", _l("查看网格员的巡查、日志、例会、培训和考核"), ADMINS),
        Permission("grid_work.manage", _l("管理巡查点、例会、培训、请假审批、责任书和考核加减分"),
                   ADMINS),
        Permission("grid_work.assess", _l("制定考核方案、处理申诉、发布考核和补贴表、审定五小奖励"),
                   ("county_admin", "town_admin")),
    ]


@hookimpl
def audit_labels():
    merged: dict = {"actions": {}, "objects": {}, "fields": {}}
    for labels in _each("audit_labels"):
        for key, values in labels.items():
            merged.setdefault(key, {}).update(values)
    return merged


@hookimpl
def register_demo_data(town, db):
    for area in AREAS:
        if hasattr(area, "demo"):
            area.demo(town)


@hookimpl
def menu_links(user, town):
    return _joined("menu_links", user, town)


@hookimpl
def dashboard_cards(scope, user):
    return _joined("dashboard_cards", scope, user)


@hookimpl
def today_items(user, scope):
    return _joined("today_items", user, scope)


@hookimpl
def notification_events():
    events: dict = {}
    for answer in _each("notification_events"):
        events.update(answer)
    return events


@hookimpl
def scheduled_notifications(town, now):
    _each("scheduled_notifications", town, now)


@hookimpl
def template_slot(name, context):
    from markupsafe import Markup

    parts = [part for part in _each("template_slot", name, context) if part]
    return Markup("").join(parts) if parts else None


@hookimpl
def case_state_changed(case, old, new, action, actor):
    _each("case_state_changed", case, old, new, action, actor)


@hookimpl
def town_template_parts():
    return _joined("town_template_parts")
