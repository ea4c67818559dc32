"""Mutual-aid rules: group size, one group per household, help records, points for helpers,
escalation to a case. The caller commits."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import case as sql_case, func, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.plugins import host
from portal.settings import get_setting, set_setting
from portal.tenancy import in_subtree_where_on, town_of
from portal.timeutil import local_today

from .models import HELP_KINDS, MutualAidGroup, MutualAidHelp, MutualAidHelper, MutualAidMember

SETTING = "mutual_aid.rules"
#: "About ten households" (DOMAIN.md): warn outside 5-15; points per helper for a help given.
DEFAULT_RULES = {"min_households": 5, "max_households": 15, "points_per_help": 0}


def rules(town) -> dict:
    return get_setting(town, SETTING, DEFAULT_RULES)


def set_rules(town, *, min_households: int, max_households: int, points_per_help: int, actor=None):
    if min_households < 1 or max_households < min_households:
        raise DomainError(_("户数下限须至少为1，且不大于上限。"), field="max_households")
    if not 0 <= points_per_help <= 100:
        raise DomainError(_("每次帮扶积分应在0到100之间。"), field="points_per_help")
    value = {"min_households": min_households, "max_households": max_households,
             "points_per_help": points_per_help}
    set_setting(town, SETTING, value)
    audit.record("mutual_aid.rules", town, scope_code=town.code, user=actor, **value)


def size_warning(group: MutualAidGroup, town_rules: dict | None = None) -> str | None:
    """A message when the group has fewer or more households than the town's range."""
    town_rules = town_rules or rules(town_of(group.grid))
    size = len(group.active_members)
    if size < town_rules["min_households"]:
        return _("只有 %(n)d 户，少于 %(min)d 户。", n=size, min=town_rules["min_households"])
    if size > town_rules["max_households"]:
        return _("已有 %(n)d 户，超过 %(max)d 户。", n=size, max=town_rules["max_households"])
    return None


def create_group(grid: Grid, name: str, actor=None) -> MutualAidGroup:
    if grid.level not in (GRID, SPECIAL):
        raise DomainError(_("互助组须建在网格里。"), field="grid")
    if db.session.scalar(select(MutualAidGroup.id).filter_by(grid_id=grid.id, name=name)):
        raise DomainError(_("本网格已有同名互助组。"), field="name")
    group = MutualAidGroup(grid_id=grid.id, name=name)
    db.session.add(group)
    db.session.flush()
    audit.record("mutual_aid.group_create", group, scope_code=grid.code, user=actor, name=name)
    return group


def add_household(group: MutualAidGroup, household, actor=None) -> MutualAidMember:
    if household.grid_id != group.grid_id:
        raise DomainError(_("只能加入本网格的住户。"), field="household")
    if household.moved_out_at is not None:
        raise DomainError(_("该户已迁出。"), field="household")
    current = db.session.scalar(select(MutualAidMember).filter_by(
        active_household_id=household.id))
    if current is not None:
        raise DomainError(_("该户已在“%(name)s”互助组，一户只能加入一个互助组。",
                               name=current.group.name), field="household")
    member = MutualAidMember(group=group, household=household, active_household_id=household.id)
    db.session.add(member)
    try:
        with db.session.begin_nested():  # two clerks adding the same household at once
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("该户已加入其他互助组，一户只能加入一个互助组。"),
                             field="household") from None
    audit.record("mutual_aid.join", group, scope_code=group.grid.code, user=actor,
                 household=household.address)
    return member


def remove_household(member: MutualAidMember, actor=None) -> None:
    if member.left_on is not None:
        raise DomainError(_("该户已退出。"))
    member.left_on, member.active_household_id = local_today(), None
    group = member.group
    if group.leader is not None and group.leader.household_id == member.household_id:
        group.leader_id = None  # the leader's household left: the group elects again
    audit.record("mutual_aid.leave", group, scope_code=group.grid.code, user=actor,
                 household=member.household.address)


def member_residents(group: MutualAidGroup):
    return [r for m in group.active_members for r in m.household.active_members]


def elect_leader(group: MutualAidGroup, resident, actor=None, on: date | None = None) -> None:
    if resident not in member_residents(group):
        raise DomainError(_("组长须是本组住户的成员。"), field="leader")
    group.leader_id, group.elected_on = resident.id, on or local_today()
    audit.record("mutual_aid.elect", group, scope_code=group.grid.code, user=actor,
                 leader=resident.name)


def record_help(group: MutualAidGroup, *, kind, happened_on, description, asked_by=None,
                helpers=(), outcome=None, solved=False, actor=None) -> MutualAidHelp:
    if kind not in HELP_KINDS:
        raise DomainError(_("请选择互助类型。"), field="kind")
    if happened_on > local_today():
        raise DomainError(_("日期不能晚于今天。"), field="happened_on")
    residents = member_residents(group)
    if asked_by is not None and asked_by not in residents:
        raise DomainError(_("求助人须是本组住户的成员。"), field="asked_by")
    if any(h not in residents for h in helpers):
        raise DomainError(_("帮助人须是本组住户的成员。"), field="helpers")
    help_ = MutualAidHelp(group_id=group.id, kind=kind, happened_on=happened_on,
                          description=description, outcome=outcome, solved=solved,
                          asked_by_id=asked_by.id if asked_by else None,
                          recorded_by_id=getattr(actor, "id", None))
    db.session.add(help_)
    db.session.flush()
    per_help = rules(town_of(group.grid))["points_per_help"]
    for resident in dict.fromkeys(helpers):
        helper = MutualAidHelper(help_id=help_.id, resident_id=resident.id)
        if per_help > 0:
            entry = host().hook(resident.grid, "points_award_requested")(
                resident=resident, points=per_help,
                reason=_("邻里互助：%(what)s", what=description[:60]),
                source=f"mutual_aid.help:{help_.id}:{resident.id}", actor=actor)
            helper.points = getattr(entry, "points", None) if entry is not None else None
        db.session.add(helper)
    db.session.flush()
    audit.record("mutual_aid.help", help_, scope_code=group.grid.code, user=actor, kind=kind,
                 solved=solved)
    return help_


def escalate(help_: MutualAidHelp, actor) -> object:
    """The group could not solve it: report it as a case of the grid, linked both ways."""
    from portal.cases.services import report

    if help_.case_id is not None:
        raise DomainError(_("已经上报为事件。"))
    if help_.solved:
        raise DomainError(_("已解决的事项不用上报。"))
    category = "dispute" if help_.kind == "mediation" else (
        "safety_hazard" if help_.kind == "security" else "need")
    asked = help_.asked_by
    case = report(help_.group.grid, category=category,
                  title=_("互助组上报：%(what)s", what=help_.description[:40]),
                  description=help_.description + ("\n" + help_.outcome if help_.outcome else ""),
                  source="representative", reporter=actor,
                  reporter_name=asked.name if asked else None,
                  reporter_phone=asked.phone if asked else None,
                  household=asked.household if asked else None)
    help_.case_id = case.id
    audit.record("mutual_aid.escalate", help_, scope_code=help_.scope_code, user=actor,
                 case=case.number)
    return case


# ---------------------------------------------------------------- figures


@dataclass
class Row:
    code: str
    name: str
    grid_id: int
    groups: int = 0
    households: int = 0
    helps: int = 0
    solved: int = 0


def figures_by_child(scope: Grid, since: date) -> tuple[Row, list[Row]]:
    """Groups, households in groups, helps and problems solved since ``since``: for ``scope``
    and for each of its children (village, grid …). Three grouped queries."""
    children = db.session.scalars(select(Grid).where(Grid.parent_id == scope.id,
                                                     Grid.retired_at.is_(None),
                                                     in_subtree_where_on("mutual_aid", scope))
                                  .order_by(Grid.code)).all()
    rows = {c.code: Row(c.code, c.name, c.id) for c in children}
    total = Row(scope.code, scope.name, scope.id)
    width = len(scope.code) + 3
    # one expression object, so PostgreSQL sees the same (bound) expression in SELECT and GROUP BY
    child = func.substr(Grid.code, 1, width)

    def add(query, attr):
        for code, value in db.session.execute(query):
            value = int(value or 0)
            setattr(total, attr, getattr(total, attr) + value)
            if code in rows:
                setattr(rows[code], attr, value)

    base = (select(child).select_from(MutualAidGroup)
            .join(Grid, Grid.id == MutualAidGroup.grid_id)
            .where(in_subtree_where_on("mutual_aid", scope), MutualAidGroup.dissolved_on.is_(None))
            .group_by(child))
    add(base.add_columns(func.count(func.distinct(MutualAidGroup.id))), "groups")
    add(base.join(MutualAidMember, MutualAidMember.group_id == MutualAidGroup.id)
        .where(MutualAidMember.left_on.is_(None))
        .add_columns(func.count(MutualAidMember.id)), "households")
    helps = (select(child, func.count(MutualAidHelp.id),
                    func.sum(sql_case((MutualAidHelp.solved.is_(True), 1), else_=0)))
             .select_from(MutualAidHelp)
             .join(MutualAidGroup, MutualAidGroup.id == MutualAidHelp.group_id)
             .join(Grid, Grid.id == MutualAidGroup.grid_id)
             .where(in_subtree_where_on("mutual_aid", scope), MutualAidHelp.happened_on >= since)
             .group_by(child))
    for code, count, solved in db.session.execute(helps):
        total.helps += count
        total.solved += int(solved or 0)
        if code in rows:
            rows[code].helps, rows[code].solved = count, int(solved or 0)
    return total, list(rows.values())
