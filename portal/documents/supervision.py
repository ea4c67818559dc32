"""督办函: the letter that goes with a supervision notice (a step of a case gone red). It names
the late step and its deadline, asks the responsible level to finish within a few working days
and to report back, and bears the issuer's number, date and seal. Opened from the case's page,
one notice at a time."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.cases.models import Case, SupervisionNotice
from portal.cases.workflow import LEVEL_ORDER
from portal.documents import A4, DocumentType, Period
from portal.documents.letters import issuer_of
from portal.grids.models import COUNTY, TOWN, Grid
from portal.timeutil import local_date, local_today

#: The responsible level has this many working days from the letter to finish and report.
REPLY_WORKING_DAYS = 3


def issuing_node(case: Case, level: str) -> Grid:
    """Who supervises: the town, as the 13710 loop has it (a grid's or a village's late step); a
    notice at the town's own level goes from the county, and so does one at the county's, which
    has no level above it."""
    above = LEVEL_ORDER[min(LEVEL_ORDER.index(level) + 1, len(LEVEL_ORDER) - 1)]
    wanted = COUNTY if above == COUNTY else TOWN
    return case.grid.ancestor_at(wanted) or case.grid.ancestor_at(COUNTY) or case.grid


def responsible_node(case: Case, level: str) -> Grid:
    """The node that was responsible when the step went red. A special grid stands for the grid
    level; where the tree lacks the level (a special grid right under its town has no village,
    an intake case lies at its town) the nearest node above it answers."""
    for above in LEVEL_ORDER[LEVEL_ORDER.index(level):]:
        node = case.grid if above == "grid" else case.grid.ancestor_at(above)
        if node is not None:
            return node
    return case.grid


def responsible_name(node: Grid) -> str:
    """A node as the issuer writes it: a grid with its village, else the node alone."""
    parent = node.parent
    if node.is_leaf and parent is not None and parent.level not in (TOWN, COUNTY):
        return f"{parent.name}{node.name}"
    return node.name


def addressee(case: Case, level: str) -> str:
    """Who the letter is to: the level responsible, and the department the case was passed to,
    which holds it now (城西社区第一网格、派出所)."""
    names = [responsible_name(responsible_node(case, level))]
    if case.department is not None:
        names.append(case.department.name)
    return "、".join(names)


def letter_number(notice: SupervisionNotice) -> str:
    """〔2026〕督字第 12 号: the year the notice was raised, and the notice's id (unique, stable
    over reprints)."""
    return f"〔{local_date(notice.created_at).year}〕督字第 {notice.id} 号"


def _visible_case(notice: SupervisionNotice) -> Case:
    """The notice's case as the user may see it: the view loads the notice in the user's scope,
    but department staff see only their department's cases (portal.tenancy.narrow, declared for
    Case), which a notice does not declare; loading the case applies it (404 otherwise)."""
    from flask import has_request_context

    from portal.tenancy import load_scoped

    if not has_request_context():  # no user to narrow for (a script rendering it)
        return notice.case
    return load_scoped(Case, notice.case_id)


def letter_context(notice: SupervisionNotice, period: Period | None) -> dict:
    from portal.cases.blueprint import due_text
    from portal.cases.calendar import WorkCalendar
    from portal.cases.deadlines import due_of
    from portal.cases.forms import CATEGORY_LABELS, LEVEL_LABELS, STATE_LABELS, STEP_LABELS

    case = _visible_case(notice)
    issuer = issuing_node(case, notice.level)
    issued_on = local_today()
    # a reopened case has new deadlines: the late one of an earlier episode is no longer kept
    due = due_text(due_of(case, notice.step)) if notice.episode == case.episode else ""
    reply_by: date = WorkCalendar.around(issued_on).add_working_days(issued_on,
                                                                    REPLY_WORKING_DAYS)
    return {"notice": notice, "case": case, "issuer": issuer_of(issuer),
            "issuer_name": issuer.name, "addressee": addressee(case, notice.level),
            "number": letter_number(notice), "step_label": STEP_LABELS[notice.step],
            "due": due, "reply_days": REPLY_WORKING_DAYS, "reply_by": reply_by,
            "issued_on": issued_on, "LEVEL_LABELS": LEVEL_LABELS,
            "STATE_LABELS": STATE_LABELS, "CATEGORY_LABELS": CATEGORY_LABELS}


def letter_title(notice: SupervisionNotice, period: Period | None) -> str:
    return _("督办函 %(number)s", number=notice.case.number)


TYPES = (
    DocumentType(
        "supervision_letter", _l("督办函"), SupervisionNotice, "cases.view",
        "documents/supervision_letter.html", letter_context, letter_title, size=A4,
        offered="record",
        description=_l("事件某一环节超期后，上级向责任层级发出的督办函：超期环节、期限、限期办结并报告。")),
)
