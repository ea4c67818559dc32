"""Disputes rules: the town's settings, the risk level, registering a dispute with its parties,
the ladder's steps with their deadlines, agreements, follow-up visits and the monthly screening.
Every function checks its input and raises DomainError naming the field; the caller commits."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit
from portal.cases.calendar import WorkCalendar
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.settings import get_setting, set_setting
from portal.tenancy import in_subtree_where_on, town_of
from portal.timeutil import local_today
from portal.validators import is_phone, normalise_phone

from . import ladder
from .stats import month_bounds
from .models import (Dispute, DisputeAgreement, DisputeFollowup, DisputeParty, DisputeScreening,
                     DisputeSignature, DisputeStep)

KINDS = ("family", "neighbour", "land", "demolition", "labour", "contract", "other")
RISKS = ("green", "yellow", "red")
#: Kinds that concern land or homes: yellow at least (the township plans single them out).
WEIGHTY_KINDS = ("land", "demolition")

SETTING = "disputes.rules"
DEFAULT_RULES = {
    "days": dict(ladder.DEFAULT_DAYS),
    #: the monthly screening is due by this day of the month (zero reports too)
    "screening_day": 25,
    #: yuan at stake from which a dispute is yellow / red
    "yellow_amount": 10_000, "red_amount": 100_000,
    #: parties from which a dispute is a group dispute (群体性): red
    "group_size": 5,
    #: follow-up visits after an agreement: every N days until the period ends
    "followup_every": 30, "followup_days": 90,
}


def rules(town) -> dict:
    stored = get_setting(town, SETTING, {})
    merged = {**DEFAULT_RULES, **stored}
    merged["days"] = {**ladder.DEFAULT_DAYS, **stored.get("days", {})}
    return merged


def set_rules(town, value: dict, actor=None) -> None:
    days = value.get("days", {})
    for state in ladder.OPEN_STATES:
        if not 1 <= int(days.get(state, 0)) <= 60:
            raise DomainError(_("每一步的期限应在1到60个工作日之间。"), field=f"days_{state}")
    if not 1 <= value["screening_day"] <= 28:
        raise DomainError(_("排查报告日应在每月1日到28日之间。"), field="screening_day")
    if not 0 < value["yellow_amount"] <= value["red_amount"]:
        raise DomainError(_("黄色金额须大于0且不大于红色金额。"), field="yellow_amount")
    if value["group_size"] < 2:
        raise DomainError(_("群体性纠纷的人数至少为2。"), field="group_size")
    if not 1 <= value["followup_every"] <= value["followup_days"] <= 365:
        raise DomainError(_("回访间隔须至少1天，且不长于回访期限(不超过365天)。"),
                          field="followup_every")
    set_setting(town, SETTING, value)
    audit.record("disputes.rules", town, scope_code=town.code, user=actor, **value)


def rule_risk(town_rules: dict, *, kind: str, amount: int | None, parties: int,
              criminal_risk: bool, group_risk: bool) -> str:
    """The level the town's rules give: red for a risk of crime (民转刑), a group dispute or a
    large sum; yellow for land, demolition or a middling sum; green otherwise."""
    if criminal_risk or group_risk or parties >= town_rules["group_size"] or (
            amount or 0) >= town_rules["red_amount"]:
        return "red"
    if kind in WEIGHTY_KINDS or (amount or 0) >= town_rules["yellow_amount"]:
        return "yellow"
    return "green"


def higher(a: str, b: str) -> str:
    return a if RISKS.index(a) >= RISKS.index(b) else b


def due_after(start: date, state: str, town_rules: dict) -> date | None:
    if state not in ladder.OPEN_STATES:
        return None
    return WorkCalendar.around(start).add_working_days(start, int(town_rules["days"][state]))


@dataclass
class PartyInput:
    name: str
    side: str = "a"
    resident_id: int | None = None
    phone: str | None = None
    address: str | None = None


def _parties(grid: Grid, parties: list[PartyInput], actor=None) -> list[DisputeParty]:
    from portal.people.models import Resident
    from portal.tenancy import in_scope

    if len([p for p in parties if p.name or p.resident_id]) < 2:
        raise DomainError(_("请至少登记两位当事人(双方各一)。"), field="parties")
    sides = {p.side for p in parties}
    if not sides <= {"a", "b"} or len(sides) < 2:
        raise DomainError(_("当事人须有申请方和被申请方。"), field="parties")
    town = town_of(grid)
    rows = []
    for p in parties:
        if p.resident_id:
            resident = db.session.get(Resident, p.resident_id)
            # a party from the register is a resident of the dispute's own town whom the
            # clerk may see (a grid worker picks from their grid, a village from its grids)
            if resident is None or town_of(resident.grid) != town or (
                    actor is not None and not in_scope(actor, resident)):
                raise DomainError(_("当事人须是本镇登记的居民，或填写姓名登记为外来人员。"),
                                  field="parties")
            # the phone stays on the register (shown masked from there), not copied
            rows.append(DisputeParty(resident_id=resident.id, name=resident.name,
                                     address=resident.household.address, side=p.side))
            continue
        name = (p.name or "").strip()
        if not name or len(name) > 64:
            raise DomainError(_("请填写当事人姓名(不超过64个字)。"), field="parties")
        phone = None
        if p.phone:
            phone = normalise_phone(p.phone)
            if not is_phone(phone):
                raise DomainError(_("当事人“%(name)s”的电话号码不对。", name=name), field="parties")
        rows.append(DisputeParty(name=name, phone=phone, address=(p.address or "").strip()[:200]
                                 or None, side=p.side))
    return rows


def register(grid: Grid, *, kind: str, title: str, description: str, found_on: date,
             parties: list[PartyInput], amount: int | None = None, risk: str | None = None,
             criminal_risk: bool = False, group_risk: bool = False,
             responsible_unit: str | None = None, leading_cadre: str | None = None,
             helpers: str | None = None, source_case=None, actor=None) -> Dispute:
    """Enter a dispute found in ``grid``. It starts with the grid's on-the-spot mediation; a red
    one goes to the town at once (先行上报) while the grid keeps it calm."""
    if grid.level not in (GRID, SPECIAL) or not grid.active:
        raise DomainError(_("纠纷须登记在网格里。"), field="grid")
    if kind not in KINDS:
        raise DomainError(_("请选择纠纷类型。"), field="kind")
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 100:
        raise DomainError(_("请填写纠纷简称(不超过100个字)。"), field="title")
    if not description:
        raise DomainError(_("请写明纠纷的简要情况。"), field="description")
    if found_on > local_today():
        raise DomainError(_("发现日期不能晚于今天。"), field="found_on")
    if amount is not None and amount < 0:
        raise DomainError(_("涉及金额不能为负数。"), field="amount")
    if risk is not None and risk not in RISKS:
        raise DomainError(_("请选择风险等级。"), field="risk")
    if source_case is not None:
        if source_case.category != "dispute" or source_case.grid_id != grid.id:
            raise DomainError(_("只有本网格“小纠纷”类的事件可以登记为矛盾纠纷。"), field="grid")
        if db.session.scalar(select(Dispute.id).filter_by(source_case_id=source_case.id)):
            raise DomainError(_("这件事件已经登记为矛盾纠纷。"), field="grid")
    rows = _parties(grid, parties, actor)
    town_rules = rules(town_of(grid))
    level = rule_risk(town_rules, kind=kind, amount=amount, parties=len(rows),
                      criminal_risk=criminal_risk, group_risk=group_risk)
    dispute = Dispute(
        # a placeholder until the id is known: unique, so two clerks registering at once on
        # PostgreSQL never meet on the same value
        number=f"new-{secrets.token_hex(8)}", grid_id=grid.id, kind=kind, title=title, description=description,
        amount=amount, risk=higher(risk or "green", level), criminal_risk=criminal_risk,
        group_risk=group_risk or len(rows) >= town_rules["group_size"],
        responsible_unit=_clean(responsible_unit, 100), leading_cadre=_clean(leading_cadre, 64),
        helpers=_clean(helpers, 200), found_on=found_on, state="grid",
        source_case_id=getattr(source_case, "id", None), registered_by_id=getattr(actor, "id", None))
    dispute.parties = rows
    db.session.add(dispute)
    db.session.flush()
    dispute.number = f"MD{found_on:%Y%m}-{dispute.id:05d}"
    today = local_today()
    dispute.due_on = due_after(today, "grid", town_rules)
    _step(dispute, "register", None, "grid", _("登记纠纷"), actor)
    audit.record("disputes.register", dispute, scope_code=grid.code, user=actor,
                 number=dispute.number, kind=kind, risk=dispute.risk)
    if dispute.risk == "red":
        _move(dispute, "reported", town_rules, today)
        dispute.escalated = True
        _step(dispute, "report", "grid", "reported",
              _("重大矛盾纠纷，先行上报镇综治办，网格同时介入稳控。"), actor)
    return dispute


def _clean(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()
    return value[:limit] or None


def _step(dispute: Dispute, action: str, old: str | None, new: str, note: str | None,
          actor, late: bool = False) -> DisputeStep:
    step = DisputeStep(dispute=dispute, action=action, from_state=old, to_state=new, note=note,
                       due_on=dispute.due_on, late=late, by_id=getattr(actor, "id", None))
    db.session.add(step)
    return step


def _move(dispute: Dispute, state: str, town_rules: dict, today: date) -> None:
    dispute.state = state
    dispute.due_on = due_after(today, state, town_rules)


def is_late(dispute: Dispute, today: date | None = None) -> bool:
    return (dispute.state in ladder.OPEN_STATES and dispute.due_on is not None
            and (today or local_today()) > dispute.due_on)


def take(dispute: Dispute, name: str, actor, *, note: str | None = None,
         responsible_unit: str | None = None, leading_cadre: str | None = None,
         helpers: str | None = None) -> DisputeStep:
    """Take action ``name`` of the ladder (not "agree", which needs an agreement: ``agree``)."""
    if name == "agree":
        raise ValueError("use agree()")
    if name == "close" and dispute.agreement is not None:
        open_visits = [f for f in dispute.agreement.followups if f.done_on is None]
        if open_visits:
            raise DomainError(_("还有 %(n)d 次回访没有做，回访完毕才能结案。", n=len(open_visits)))
    if name not in ladder.ACTIONS or not ladder.may(actor, dispute, name):
        raise DomainError(_("现在不能进行这一步。"))
    action = ladder.ACTIONS[name]
    note = (note or "").strip() or None
    if action.needs_note and not note:
        raise DomainError(_("请写明做了什么、为什么。"), field="note")
    town_rules = rules(town_of(dispute.grid))
    today = local_today()
    old = dispute.state
    late = is_late(dispute, today)
    if name == "assign":
        unit = _clean(responsible_unit, 100) or dispute.responsible_unit
        if not unit:
            raise DomainError(_("请填写责任单位。"), field="responsible_unit")
        cadre = _clean(leading_cadre, 64) or dispute.leading_cadre
        if dispute.risk == "red" and not cadre:
            raise DomainError(_("红色纠纷须确定包案领导。"), field="leading_cadre")
        dispute.responsible_unit, dispute.leading_cadre = unit, cadre
        dispute.helpers = _clean(helpers, 200) or dispute.helpers
    if name == "joint" and not (_clean(helpers, 200) or dispute.helpers):
        raise DomainError(_("联合调处请写明参加的部门或村(社区)。"), field="helpers")
    if name == "joint":
        dispute.helpers = _clean(helpers, 200) or dispute.helpers
    if name == "close":
        dispute.outcome, dispute.closed_on = "agreed", today
        dispute.state, dispute.due_on = "closed", None
    elif name == "terminate":
        dispute.outcome, dispute.closed_on = "terminated", today
        dispute.state, dispute.due_on = "closed", None
    elif name == "reopen":
        _reopen(dispute, note or "", town_rules, today)
    elif action.target is not None:
        _move(dispute, action.target, town_rules, today)
        dispute.escalated = True
    step = _step(dispute, name, old, dispute.state, note, actor,
                 late=late and action.target is not None)
    audit.record(f"disputes.{name}", dispute, scope_code=dispute.grid.code, user=actor,
                 number=dispute.number, state=dispute.state)
    return step


def _reopen(dispute: Dispute, note: str, town_rules: dict, today: date) -> None:
    """The agreement was broken: it stays on the record, its visits still to come are dropped,
    and the dispute is mediated again at the level that reached it."""
    agreement = dispute.agreement
    agreement.broken_on, agreement.broken_note = today, note
    for visit in list(agreement.followups):
        if visit.done_on is None:
            agreement.followups.remove(visit)
            db.session.delete(visit)
    _move(dispute, agreement.level, town_rules, today)


def agree(dispute: Dispute, actor, *, terms: str, mediator: str, signed_on: date,
          signed_party_ids: set[int]) -> DisputeAgreement:
    """An agreement (调解协议书) signed by every party: the dispute waits for its follow-up visits."""
    if not ladder.may(actor, dispute, "agree"):
        raise DomainError(_("现在不能进行这一步。"))
    terms, mediator = (terms or "").strip(), (mediator or "").strip()
    if not terms:
        raise DomainError(_("请写明协议内容。"), field="terms")
    if not mediator or len(mediator) > 64:
        raise DomainError(_("请填写调解人。"), field="mediator")
    today = local_today()
    if signed_on > today or signed_on < dispute.found_on:
        raise DomainError(_("签订日期须在发现纠纷之后、不晚于今天。"), field="signed_on")
    unsigned = [p.name for p in dispute.parties if p.id not in signed_party_ids]
    if unsigned:
        raise DomainError(_("每位当事人都须签字：%(names)s 还没有签字。",
                            names="、".join(unsigned)), field="signed")
    town_rules = rules(town_of(dispute.grid))
    late = is_late(dispute, today)
    agreement = DisputeAgreement(dispute=dispute, terms=terms, mediator=mediator,
                                 signed_on=signed_on, level=dispute.state,
                                 created_by_id=getattr(actor, "id", None))
    agreement.signatures = [DisputeSignature(party_id=p.id, signed_on=signed_on)
                            for p in dispute.parties]
    every, period = int(town_rules["followup_every"]), int(town_rules["followup_days"])
    agreement.followups = [DisputeFollowup(due_on=signed_on + timedelta(days=n))
                           for n in range(every, period + 1, every)]
    db.session.add(agreement)
    old = dispute.state
    dispute.state, dispute.due_on = "agreed", None
    _step(dispute, "agree", old, "agreed", _("达成调解协议，调解人：%(m)s", m=mediator), actor,
          late=late)
    db.session.flush()
    audit.record("disputes.agree", dispute, scope_code=dispute.grid.code, user=actor,
                 number=dispute.number, followups=len(agreement.followups))
    return agreement


def record_followup(visit: DisputeFollowup, actor, *, kept: bool, note: str | None,
                    on: date | None = None) -> None:
    """A follow-up visit: kept, or broken, which reopens the dispute where it was agreed."""
    from portal.permissions import can

    dispute = visit.agreement.dispute
    if visit.done_on is not None or visit.agreement.broken_on is not None:
        raise DomainError(_("这次回访已经记录过了。"))
    # whoever mediates in the dispute's grid visits, whatever level reached the agreement
    if dispute.state != "agreed" or not can(actor, "disputes.mediate", dispute):
        raise DomainError(_("现在不能进行这一步。"))
    note = (note or "").strip() or None
    if not kept and not note:
        raise DomainError(_("协议没有履行，请写明情况。"), field="note")
    visit.done_on, visit.kept, visit.note, visit.by_id = (on or local_today(), kept, note,
                                                          getattr(actor, "id", None))
    audit.record("disputes.followup", dispute, scope_code=dispute.grid.code, user=actor,
                 number=dispute.number, kept=kept)
    if not kept:
        old = dispute.state
        _reopen(dispute, note or "", rules(town_of(dispute.grid)), visit.done_on)
        _step(dispute, "reopen", old, dispute.state, _("回访发现协议未履行：%(n)s", n=note), actor)
        audit.record("disputes.reopen", dispute, scope_code=dispute.grid.code, user=actor,
                     number=dispute.number, state=dispute.state)


def escalate_to_case(dispute: Dispute, actor):
    """It needs the case loop (a department, a deadline the county watches): report it as a case
    of the dispute category (never public), linked both ways. The parties' names stay here."""
    from portal.cases.services import report

    if dispute.case_id is not None:
        raise DomainError(_("已经转为事件。"))
    if dispute.state not in ladder.OPEN_STATES:
        raise DomainError(_("已调结的纠纷不用转为事件。"))
    case = report(dispute.grid, category="dispute", title=dispute.title[:100],
                  description=_("矛盾纠纷 %(n)s 转来：%(d)s", n=dispute.number,
                                d=dispute.description),
                  source="patrol", reporter=actor, major=dispute.risk == "red")
    dispute.case_id = case.id
    _step(dispute, "to_case", dispute.state, dispute.state, _("转为事件 %(n)s", n=case.number),
          actor)
    audit.record("disputes.to_case", dispute, scope_code=dispute.grid.code, user=actor,
                 number=dispute.number, case=case.number)
    return case


# ---------------------------------------------------------------- the monthly screening


def month_start(day: date) -> date:
    return day.replace(day=1)


def screening_due(month: date, town_rules: dict) -> date:
    return month.replace(day=int(town_rules["screening_day"]))


def found_in(grid: Grid, month: date) -> int:
    first, end = month_bounds(month)
    return db.session.scalar(select(func.count(Dispute.id)).where(
        Dispute.grid_id == grid.id, Dispute.found_on >= first, Dispute.found_on < end)) or 0


def report_screening(grid: Grid, month: date, actor, *, zero: bool,
                     note: str | None = None) -> DisputeScreening:
    """The grid's report for ``month``: the disputes registered that month, or a zero report
    (only when none was registered). One report per grid and month."""
    month = month_start(month)
    today = local_today()
    if grid.level not in (GRID, SPECIAL):
        raise DomainError(_("排查由网格报告。"), field="grid")
    if month > today:
        raise DomainError(_("还没到这个月。"), field="month")
    if db.session.scalar(select(DisputeScreening.id).filter_by(grid_id=grid.id, month=month)):
        raise DomainError(_("%(grid)s %(m)s 已经报告过了。", grid=grid.name,
                            m=f"{month:%Y-%m}"), field="month")
    found = found_in(grid, month)
    if zero and found:
        raise DomainError(_("本月已登记 %(n)d 件纠纷，不能零报告。", n=found), field="zero")
    if not zero and not found:
        raise DomainError(_("本月没有登记纠纷：请先登记发现的纠纷，没有就零报告。"), field="zero")
    town_rules = rules(town_of(grid))
    row = DisputeScreening(grid_id=grid.id, month=month, found=found,
                           note=(note or "").strip()[:500] or None,
                           reported_by_id=getattr(actor, "id", None),
                           late=today > screening_due(month, town_rules))
    db.session.add(row)
    db.session.flush()
    audit.record("disputes.screening", row, scope_code=grid.code, user=actor,
                 month=f"{month:%Y-%m}", found=found, zero=zero)
    return row


@dataclass
class ScreeningRow:
    grid: Grid
    report: DisputeScreening | None
    found: int
    due: date
    overdue: bool


def screening_board(scope: Grid, month: date) -> list[ScreeningRow]:
    """Every base grid under ``scope`` (where the module is on) for ``month``: its report or
    none, the disputes registered, and whether the report is overdue."""
    month, end = month_bounds(month)
    grids = db.session.scalars(select(Grid).where(
        Grid.level.in_((GRID, SPECIAL)), Grid.retired_at.is_(None),
        in_subtree_where_on("disputes", scope)).order_by(Grid.code)).all()
    ids = [g.id for g in grids]
    reports = {r.grid_id: r for r in db.session.scalars(select(DisputeScreening).where(
        DisputeScreening.grid_id.in_(ids), DisputeScreening.month == month))}
    found = dict(db.session.execute(select(Dispute.grid_id, func.count(Dispute.id)).where(
        Dispute.grid_id.in_(ids), Dispute.found_on >= month, Dispute.found_on < end)
        .group_by(Dispute.grid_id)).all())
    today = local_today()
    towns: dict[int, dict] = {}
    rows = []
    for grid in grids:
        town = town_of(grid)
        town_rules = towns.setdefault(town.id, rules(town))
        due = screening_due(month, town_rules)
        rows.append(ScreeningRow(grid, reports.get(grid.id), found.get(grid.id, 0), due,
                                 grid.id not in reports and today > due))
    return rows
