"""Who is told what about cases, and when. Every function here writes its notifications in the
transaction of the change that causes it, with a key naming the event instance, so a retried
request or a second sweep adds nothing.

- ``case_assigned``: the assignee, or the active staff of the department the case was given to,
  each time it is assigned (the key counts the assignments, and names the episode);
- ``case_light``: whose case it is (``recipients.responsible``) when the step that decides its
  light turns yellow or red, once per case, episode, step and colour (red is urgent);
- ``case_supervised``: whose case it is and the people of the level that must act, when the sweep
  raises a supervision notice (督办), urgent;
- ``case_answered``: the reporter, when their case is resolved or closed, once per episode, with
  the link to follow and rate it (a public reporter: an SMS to the phone they left);
- ``emergency``: the town's dispatchers, urgently, when an emergency is reported.

The core's ``case_created`` and ``case_state_changed`` hook implementations (portal.core_hooks)
call ``created`` and ``state_changed``: every path that reports or moves a case (a form, Open311,
the public report, a department's step) announces it there, inside its transaction. The sweep
(portal.cases.services.sweep) calls ``supervised`` and ``sweep_lights``.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.notifications import recipients
from portal.notifications.writing import Composed, notify_each_language, site_path
from portal.tenancy import in_subtree, town_of

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.cases.models import Case, SupervisionNotice

#: The actions after which the reporter is told the result (the first of them in an episode).
ANSWERING_ACTIONS = ("resolve", "close")
#: How many keys one query looks for (the sweep asks which events were told already).
KEY_CHUNK = 200


def _params(case: Case, **more: object) -> dict[str, object]:
    return {"number": case.number, "title": case.title, **more}


def _link(case: Case) -> str:
    return site_path("cases.show", case_id=case.id)


def _due(case: Case, step: str) -> str:
    from portal.cases.blueprint import due_text
    from portal.cases.deadlines import due_of

    return due_text(due_of(case, step))


def _step_label(step: str) -> str:
    from portal.cases.forms import STEP_LABELS

    return str(STEP_LABELS[step])


def _without(users: list[User], actor: User | None) -> list[User]:
    """Nobody is told of what they just did themselves."""
    actor_id = getattr(actor, "id", None)
    return [user for user in users if user.id != actor_id]


# ---------------------------------------------------------------- announced by the loop


def created(case: Case, actor: User | None) -> None:
    if case.kind == "emergency":
        emergency(case, actor)


def state_changed(case: Case, old: str, new: str, action: str, actor: User | None) -> None:
    if action == "assign":
        assigned(case, actor)
    if action in ANSWERING_ACTIONS:
        answered(case, actor)


def assigned(case: Case, actor: User | None) -> int:
    """A case given to someone (or to a department): tell them. The key counts this episode's
    assignments, so an assignment after a return (退回) or an escalation is told again, and a
    reopened case's new assignment too."""
    from portal.cases.models import CaseEvent
    from portal.departments.models import Department

    # the workflow sets the assignee by id and the department by relationship: flushed, both
    # ids are current (the relationships may not be), and the assignment's own timeline step is
    # written, so it is counted below
    db.session.flush()
    assignee = recipients.assignee_of(case)
    department = None
    if assignee is not None:
        people = [assignee] if assignee.is_active else []
    elif case.department_id is not None:
        people = recipients.department_staff(case.department_id)
        department = db.session.get(Department, case.department_id).name
    else:
        return 0
    count = db.session.scalar(select(func.count(CaseEvent.id)).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "assign"))

    def compose() -> Composed:
        values = {"number": case.number, "title": case.title, "due": _due(case, "resolve")}
        if department:
            body = _("事件 %(number)s“%(title)s”已交给%(department)s办理，办结期限 %(due)s。",
                     department=department, **values)
        else:
            body = _("事件 %(number)s“%(title)s”已交给您办理，办结期限 %(due)s。", **values)
        return _("新交办事件 %(number)s", number=case.number), body, _params(case, due=values["due"])

    return notify_each_language(
        "case_assigned", f"case_assigned:{case.id}:{case.episode}:{count}", compose,
        users=_without(people, actor), link=_link(case), urgent=case.kind == "emergency",
        town=town_of(case.grid))


def answered(case: Case, actor: User | None) -> int:
    """The reporter is told the result, once per episode (resolved or closed, whichever comes
    first), with where to follow and rate it: a logged-in reporter in the portal and on their
    channels; a phone left with the report (a public report, or staff filing for a caller) by
    SMS, with the public lookup's link."""
    key = f"case_answered:{case.id}:{case.episode}"
    closed = case.state != "resolved"

    def compose() -> Composed:
        values = {"number": case.number, "title": case.title}
        if closed:
            return (_("您反映的事件已结案"),
                    _("您反映的事件 %(number)s“%(title)s”已结案。请查看办理结果并评价。", **values),
                    _params(case))
        return (_("您反映的事件已办结"),
                _("您反映的事件 %(number)s“%(title)s”已办结。请查看办理结果并评价。", **values),
                _params(case))

    from portal.auth.models import User

    reporter = db.session.get(User, case.reporter_id) if case.reporter_id is not None else None
    town = town_of(case.grid)
    written = 0
    if reporter is not None and reporter.is_active and reporter.id != getattr(actor, "id", None):
        written += notify_each_language("case_answered", key, compose, users=[reporter],
                                        link=_reporter_link(case, reporter), town=town)
    phone = case.reporter_phone
    if phone and (reporter is None or reporter.phone != phone):
        from portal.cases.tracking import tracking_url

        link = tracking_url(case)

        def compose_sms() -> Composed:
            subject, body, params = compose()
            return subject, body, {**params, "link": link}

        written += notify_each_language("case_answered", key, compose_sms,
                                        direct=[("sms", phone)], link=link, town=town)
    return written


def _reporter_link(case: Case, reporter: User) -> str:
    """Where the reporter reads and rates it: their own cases' page (a resident may not open the
    case list), or the case itself for staff."""
    from portal.permissions import role_has

    if role_has(reporter.role, "cases.view"):
        return _link(case)
    return site_path("my_cases.show", case_id=case.id)


def emergency(case: Case, actor: User | None) -> int:
    """An emergency reported: the town's dispatchers, urgently (the home page lists it too)."""
    people = _without(recipients.town_dispatchers(case), actor)

    def compose() -> Composed:
        return (_("突发事件 %(number)s", number=case.number),
                _("%(grid)s发生突发事件 %(number)s“%(title)s”，请立即处置。", grid=case.grid.name,
                  number=case.number, title=case.title),
                _params(case, grid=case.grid.name))

    return notify_each_language("emergency", f"emergency:{case.id}", compose, users=people,
                                link=_link(case), urgent=True, town=town_of(case.grid),
                                grid=case.grid)


# ---------------------------------------------------------------- the sweep


def supervised(case: Case, notice: SupervisionNotice) -> int:
    """A supervision notice (督办) raised: whose case it is and the people of the notice's level
    who must act on it (its grid's workers, or the level's dispatchers), urgently."""
    people = {u.id: u for u in (*recipients.responsible(case),
                                *recipients.level_staff(case, notice.level))}
    step = notice.step

    def compose() -> Composed:
        return (_("督办：事件 %(number)s", number=case.number),
                _("事件 %(number)s“%(title)s”%(step)s超期（期限 %(due)s），已被督办，请尽快办理。",
                  number=case.number, title=case.title, step=_step_label(step),
                  due=_due(case, step)),
                _params(case, step=_step_label(step)))

    return notify_each_language(
        "case_supervised", f"case_supervised:{case.id}:{notice.episode}:{step}", compose,
        users=people.values(), link=_link(case), urgent=True, town=town_of(case.grid),
        grid=case.grid)


def light_key(case: Case, step: str, colour: str) -> str:
    return f"case_light:{case.id}:{case.episode}:{step}:{colour}"


def sweep_lights(on: date | None = None) -> int:
    """Tell whose case it is when the step deciding an open case's light is yellow or red, once
    per (case, episode, step, colour). Found in SQL with the lists' own conditions, town by town
    (each town has its yellow window); what was told already is looked up in bounded batches,
    so a case red for weeks costs nothing but being found. Returns the rows written."""
    from portal.cases import deadlines
    from portal.cases.calendar import WorkCalendar
    from portal.cases.models import Case
    from portal.cases.queries import light_condition
    from portal.grids.models import TOWN, Grid

    on = on or deadlines.today()
    calendar = WorkCalendar(on.year - 1, on.year + 1)
    written = 0
    for town in db.session.scalars(select(Grid).where(Grid.level == TOWN).order_by(Grid.code)):
        yellow_days = deadlines.rules_for(town)["yellow_days"]
        cases = db.session.scalars(
            select(Case).join(Grid, Grid.id == Case.grid_id)
            .where(in_subtree(Grid.code, town),
                   or_(light_condition("red", on, yellow_days),
                       light_condition("yellow", on, yellow_days)))
            .options(joinedload(Case.grid), joinedload(Case.assignee))
            .order_by(Case.id)).unique().all()
        due: list[tuple[Case, str, str]] = []
        for case in cases:
            step = deadlines.worst_pending_step(case, on, calendar, yellow_days)
            colour = step and deadlines.step_light(case, step, on, calendar, yellow_days)
            if step and colour in (deadlines.YELLOW, deadlines.RED):
                due.append((case, step, colour))
        told = _told([light_key(case, step, colour) for case, step, colour in due])
        for case, step, colour in due:
            if light_key(case, step, colour) not in told:
                written += _light(case, step, colour)
    return written


def _told(keys: list[str]) -> set[str]:
    """Which of these event keys have rows already (a row's key is the event's key, its channel
    and its recipient)."""
    from portal.notifications.models import Notification

    found: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start:start + KEY_CHUNK]
        rows = db.session.scalars(select(Notification.key).where(or_(
            *(Notification.key.startswith(key + "|", autoescape=True) for key in chunk))))
        found.update(row.split("|", 1)[0] for row in rows)
    return found


def _light(case: Case, step: str, colour: str) -> int:
    from portal.cases.deadlines import RED

    red = colour == RED

    def compose() -> Composed:
        values = {"number": case.number, "title": case.title, "step": _step_label(step),
                  "due": _due(case, step)}
        if red:
            return (_("事件已超期 %(number)s", number=case.number),
                    _("您的事件 %(number)s“%(title)s”%(step)s已超期（期限 %(due)s）。", **values),
                    _params(case, step=values["step"], due=values["due"]))
        return (_("事件即将超期 %(number)s", number=case.number),
                _("您的事件 %(number)s“%(title)s”%(step)s期限将至：%(due)s。", **values),
                _params(case, step=values["step"], due=values["due"]))

    return notify_each_language("case_light", light_key(case, step, colour), compose,
                                users=recipients.responsible(case), link=_link(case), urgent=red,
                                town=town_of(case.grid), grid=case.grid)
