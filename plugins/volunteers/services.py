"""The volunteer service's rules. Each function checks, writes and audits in the caller's
transaction; the caller commits, so a refusal leaves nothing behind."""
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, Grid
from portal.plugins import host
from portal.settings import get_setting, set_setting
from portal.tenancy import town_of
from portal.timeutil import local_today, utcnow

from .models import (VolunteersActivity, VolunteersClaim, VolunteersMember, VolunteersPairing,
                     VolunteersPairVisit, VolunteersProxy, VolunteersSignup, VolunteersTeam,
                     VolunteersVolunteer)

POINTS_SETTING = "volunteers.points_per_hour"
#: Longest service counted for one activity or one report: a typo of 80 hours is refused.
MAX_MINUTES = 24 * 60


# ---------------------------------------------------------------- volunteers and teams


def points_per_hour(town) -> int:
    return int(get_setting(town, POINTS_SETTING, 0))


def set_points_per_hour(town, value: int, actor=None):
    if value < 0 or value > 100:
        raise DomainError(_("每小时积分应在0到100之间。"), field="points_per_hour")
    set_setting(town, POINTS_SETTING, value)
    audit.record("volunteers.points_per_hour", town, scope_code=town.code, user=actor, value=value)


def next_number(town: Grid) -> str:
    count = db.session.scalar(select(func.count(VolunteersVolunteer.id))
                              .filter_by(town_id=town.id)) or 0
    while True:
        count += 1
        number = f"ZY{town.code}{count:04d}"
        if not db.session.scalar(select(VolunteersVolunteer.id).filter_by(number=number)):
            return number


def register(*, grid: Grid, resident=None, name=None, phone=None, email=None, password=None,
             actor=None) -> VolunteersVolunteer:
    """A resident becomes a volunteer, or an outsider is registered with a login of their own.
    A password gives the volunteer a login: their number, e-mail or phone, and that password."""
    from portal.auth.services import create_user
    from portal.errors import DomainError

    if resident is not None:
        if db.session.scalar(select(VolunteersVolunteer.id).filter_by(resident_id=resident.id)):
            raise DomainError(_("该居民已是志愿者。"), field="resident")
        grid, name, phone = resident.grid, resident.name, phone or resident.phone
    if not name:
        raise DomainError(_("请填写姓名。"), field="name")
    if resident is None and not password:
        raise DomainError(_("外来志愿者需要设置登录密码。"), field="password")
    town = town_of(grid)
    volunteer = VolunteersVolunteer(town_id=town.id, grid_id=grid.id, name=name, phone=phone,
                                    resident_id=resident.id if resident else None,
                                    number=next_number(town))
    if password:
        if grid.level not in (GRID, SPECIAL):
            raise DomainError(_("有登录账号的志愿者须属于一个网格。"), field="grid")
        try:
            user = create_user(username=volunteer.number, password=password, role="resident",
                               scope=grid, display_name=name, phone=phone, email=email,
                               id_number=resident.id_number if resident else None, actor=actor)
        except DomainError as error:
            raise DomainError(str(error), field=error.field) from None
        volunteer.user_id = user.id
    db.session.add(volunteer)
    db.session.flush()
    audit.record("volunteers.register", volunteer, scope_code=grid.code, user=actor,
                 number=volunteer.number, name=name)
    return volunteer


def volunteer_of(user) -> VolunteersVolunteer | None:
    """The volunteer a login is. Asked by the permission hook on every ``can()``, so it is
    looked up once a request."""
    from flask import g, has_request_context

    if user is None or not user.is_authenticated:
        return None
    cache = g.setdefault("_volunteer_of", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.scalar(select(VolunteersVolunteer).filter_by(
            user_id=user.id, left_on=None))
    return cache[user.id]


def create_team(place: Grid, *, name: str, kind: str) -> VolunteersTeam:
    """A town's or village's team; the teams of one place have distinct names."""
    if db.session.scalar(select(VolunteersTeam.id).filter_by(grid_id=place.id, name=name)):
        raise DomainError(_("这里已有同名队伍。"), field="name")
    team = VolunteersTeam(grid_id=place.id, name=name, kind=kind)
    db.session.add(team)
    db.session.flush()
    audit.record("volunteers.team_create", team, scope_code=place.code, name=team.name)
    return team


def create_pairing(volunteer: VolunteersVolunteer, household, *, need: str, visit_days: int,
                   notes: str | None) -> VolunteersPairing:
    item = VolunteersPairing(volunteer_id=volunteer.id, household_id=household.id, need=need,
                             visit_days=visit_days, notes=notes)
    db.session.add(item)
    db.session.flush()
    audit.record("volunteers.pairing_create", item, scope_code=household.grid.code,
                 volunteer=volunteer.number, household=household.address)
    return item


def end_pairing(item: VolunteersPairing) -> None:
    item.ended_on = local_today()
    audit.record("volunteers.pairing_end", item, scope_code=item.scope_code)


def change_member(member: VolunteersMember, action: str) -> None:
    """``leader``: make or unmake the member a leader; ``leave``: the member leaves the team."""
    if action == "leader":
        member.leader = not member.leader
    else:
        member.left_on, member.leader = local_today(), False
    audit.record("volunteers.member_" + action, member.team, scope_code=member.team.grid.code,
                 volunteer=member.volunteer.number, leader=member.leader)


def add_member(team: VolunteersTeam, volunteer: VolunteersVolunteer, leader=False, actor=None):
    if volunteer.town_id != town_of(team.grid).id:
        raise DomainError(_("志愿者和队伍不在同一个镇。"), field="volunteer")
    member = db.session.scalar(select(VolunteersMember).filter_by(team_id=team.id,
                                                                  volunteer_id=volunteer.id))
    if member is not None and member.left_on is None:
        raise DomainError(_("已在这支队伍中。"), field="volunteer")
    if member is None:
        member = VolunteersMember(team_id=team.id, volunteer_id=volunteer.id)
        db.session.add(member)
    member.left_on, member.leader, member.joined_on = None, leader, local_today()
    db.session.flush()
    audit.record("volunteers.join", team, scope_code=team.grid.code, user=actor,
                 volunteer=volunteer.number, leader=leader)
    return member


def is_leader(user, team_id: int) -> bool:
    volunteer = volunteer_of(user)
    return volunteer is not None and db.session.scalar(
        select(VolunteersMember.id).filter_by(team_id=team_id, volunteer_id=volunteer.id,
                                              leader=True, left_on=None)) is not None


def led_team_ids(user) -> list[int]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return []
    return list(db.session.scalars(select(VolunteersMember.team_id).filter_by(
        volunteer_id=volunteer.id, leader=True, left_on=None)))


# ---------------------------------------------------------------- activities and hours


def create_activity(team, *, title, place, starts_at, ends_at, capacity, points=None,
                    description=None, actor=None) -> VolunteersActivity:
    if ends_at <= starts_at:
        raise DomainError(_("结束时间须晚于开始时间。"), field="ends_at")
    if capacity < 1:
        raise DomainError(_("人数上限至少为1。"), field="capacity")
    activity = VolunteersActivity(
        team_id=team.id, title=title, place=place, starts_at=starts_at, ends_at=ends_at,
        capacity=capacity, description=description, signed=0,
        points_per_hour=points_per_hour(town_of(team.grid)) if points is None else points,
        checkin_token=secrets.token_urlsafe(16))
    db.session.add(activity)
    db.session.flush()
    audit.record("volunteers.activity_create", activity, scope_code=team.grid.code, user=actor,
                 title=title, capacity=capacity)
    return activity


def cancel_activity(activity: VolunteersActivity, actor=None) -> None:
    """Called off before it happened; sign-ups stay on record, no hours can be confirmed."""
    if activity.cancelled_at is not None:
        raise DomainError(_("活动已取消。"))
    if activity.starts_at <= utcnow():
        raise DomainError(_("活动已开始，不能取消。"))
    activity.cancelled_at = utcnow()
    audit.record("volunteers.activity_cancel", activity, scope_code=activity.scope_code,
                 user=actor, title=activity.title)


def sign_up(activity: VolunteersActivity, volunteer: VolunteersVolunteer,
            now: datetime | None = None) -> VolunteersSignup:
    """Take a place if one is left. The conditional UPDATEs are the checks, so two volunteers
    tapping for the last place at once cannot both get it, and one volunteer tapping twice
    takes one place: ``signed`` moves only with the sign-up row's own change (a new row, or a
    cancelled one brought back), both in one savepoint."""
    if activity.cancelled_at is not None:
        raise DomainError(_("活动已取消。"))
    if activity.ends_at <= (now or utcnow()):
        raise DomainError(_("活动已结束，不能再报名。"))
    if volunteer.town_id != town_of(activity.team.grid).id:
        raise DomainError(_("只能报名本镇的活动。"))
    signup = db.session.scalar(select(VolunteersSignup).filter_by(activity_id=activity.id,
                                                                  volunteer_id=volunteer.id))
    if signup is not None and signup.cancelled_at is None:
        raise DomainError(_("您已报名这个活动。"))
    try:
        with db.session.begin_nested():  # a refusal below undoes the row change and the count
            if signup is None:
                signup = VolunteersSignup(activity_id=activity.id, volunteer_id=volunteer.id)
                db.session.add(signup)
                db.session.flush()  # the unique (activity, volunteer) lets one insert through
            else:
                at = utcnow()
                back = db.session.execute(
                    update(VolunteersSignup)
                    .where(VolunteersSignup.id == signup.id,
                           VolunteersSignup.cancelled_at.is_not(None))
                    .values(cancelled_at=None, signed_at=at)
                    .execution_options(synchronize_session=False))
                if back.rowcount != 1:
                    raise DomainError(_("您已报名这个活动。"))
                set_committed_value(signup, "cancelled_at", None)
                set_committed_value(signup, "signed_at", at)
            taken = db.session.execute(
                update(VolunteersActivity)
                .where(VolunteersActivity.id == activity.id,
                       VolunteersActivity.signed < VolunteersActivity.capacity)
                .values(signed=VolunteersActivity.signed + 1)
                .returning(VolunteersActivity.signed)).scalar_one_or_none()
            if taken is None:
                raise DomainError(_("名额已满。"))
    except IntegrityError:
        raise DomainError(_("您已报名这个活动。")) from None
    set_committed_value(activity, "signed", taken)
    return signup


def cancel(signup: VolunteersSignup) -> None:
    """Give the place back. The place is freed only by the request whose UPDATE moved the
    sign-up from signed-up to cancelled: two cancels at once (a double tap, two tabs) would
    otherwise free two places for one and overbook the activity."""
    if signup.cancelled_at is not None:
        raise DomainError(_("已经取消过了。"))
    if signup.checked_in_at is not None:
        raise DomainError(_("已签到，不能取消报名。"))
    at = utcnow()
    done = db.session.execute(
        update(VolunteersSignup)
        .where(VolunteersSignup.id == signup.id, VolunteersSignup.cancelled_at.is_(None),
               VolunteersSignup.checked_in_at.is_(None))
        .values(cancelled_at=at).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(signup)
        if signup.checked_in_at is not None and signup.cancelled_at is None:
            raise DomainError(_("已签到，不能取消报名。"))
        raise DomainError(_("已经取消过了。"))
    set_committed_value(signup, "cancelled_at", at)
    db.session.execute(update(VolunteersActivity).where(VolunteersActivity.id == signup.activity_id)
                       .values(signed=VolunteersActivity.signed - 1))
    db.session.expire(signup.activity, ["signed"])


def check_in(signup: VolunteersSignup, at: datetime | None = None) -> None:
    """Checked in only while still signed up: a cancel at the same moment either wins (no
    check-in) or loses (the sign-up can no longer be cancelled), never both."""
    if signup.cancelled_at is not None:
        raise DomainError(_("报名已取消。"))
    if signup.checked_in_at is not None:
        raise DomainError(_("已经签到。"))
    at = at or utcnow()
    done = db.session.execute(
        update(VolunteersSignup)
        .where(VolunteersSignup.id == signup.id, VolunteersSignup.cancelled_at.is_(None),
               VolunteersSignup.checked_in_at.is_(None))
        .values(checked_in_at=at).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.refresh(signup)
        raise DomainError(_("报名已取消。") if signup.cancelled_at is not None
                             else _("已经签到。"))
    set_committed_value(signup, "checked_in_at", at)


def check_out(signup: VolunteersSignup, at: datetime | None = None) -> None:
    if signup.checked_in_at is None:
        raise DomainError(_("还没有签到。"))
    if signup.checked_out_at is not None:
        raise DomainError(_("已经签退。"))
    at = at or utcnow()
    if at <= signup.checked_in_at:
        raise DomainError(_("签退时间须晚于签到时间。"))
    signup.checked_out_at = at


def served_minutes(checked_in: datetime, checked_out: datetime) -> int:
    """Whole minutes between check-in and check-out; a service past midnight counts on."""
    return int((checked_out - checked_in).total_seconds() // 60)


def confirm(signup: VolunteersSignup, actor=None, minutes: int | None = None) -> VolunteersSignup:
    """The leader confirms the hours (those checked in and out, or a number they give); points
    are awarded once, through the points module where it is on."""
    if signup.confirmed_at is not None:
        raise DomainError(_("时长已经确认过。"))
    if signup.activity.cancelled_at is not None:
        raise DomainError(_("活动已取消。"))
    if minutes is None:
        if signup.checked_out_at is None:
            raise DomainError(_("没有签到签退记录，请填写服务时长。"), field="minutes")
        minutes = served_minutes(signup.checked_in_at, signup.checked_out_at)
    if minutes <= 0 or minutes > MAX_MINUTES:
        raise DomainError(_("服务时长应在1分钟到24小时之间。"), field="minutes")
    signup.minutes, signup.confirmed_at = minutes, utcnow()
    signup.confirmed_by_id = getattr(actor, "id", None)
    activity = signup.activity
    signup.points = award_points(
        signup.volunteer, minutes, activity.points_per_hour,
        _("志愿服务 %(h)s 小时：%(title)s", h=hours_text(minutes), title=activity.title),
        f"volunteers.signup:{signup.id}", actor)
    audit.record("volunteers.confirm", activity, scope_code=activity.scope_code, user=actor,
                 volunteer=signup.volunteer.number, minutes=minutes, points=signup.points)
    return signup


def hours_text(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def award_points(volunteer, minutes, per_hour, reason, source, actor) -> int | None:
    """Ask the points module (only where it is on for the volunteer's town) to award; the
    ``source`` makes a second ask for the same service pay nothing more."""
    if volunteer.resident is None or per_hour <= 0:
        return None
    points = minutes * per_hour // 60
    if points <= 0:
        return None
    entry = host().hook(volunteer.resident.grid, "points_award_requested")(
        resident=volunteer.resident, points=points, reason=reason, source=source, actor=actor)
    if entry is None:
        return None
    return getattr(entry, "points", None) or (entry.get("awarded") if isinstance(entry, dict)
                                              else None)


def submit_claim(volunteer, team, worked_on: date, minutes: int, description: str):
    if not any(m.team_id == team.id and m.left_on is None for m in volunteer.memberships):
        raise DomainError(_("只能为自己所在的队伍填报时长。"), field="team")
    if worked_on > local_today():
        raise DomainError(_("服务日期不能晚于今天。"), field="worked_on")
    if minutes <= 0 or minutes > MAX_MINUTES:
        raise DomainError(_("服务时长应在1分钟到24小时之间。"), field="minutes")
    claim = VolunteersClaim(volunteer_id=volunteer.id, team_id=team.id, worked_on=worked_on,
                            minutes=minutes, description=description)
    db.session.add(claim)
    db.session.flush()
    return claim


def decide_claim(claim: VolunteersClaim, approve: bool, actor=None, reason=None):
    if claim.status != "pending":
        raise DomainError(_("这条填报已经审核过。"))
    if not approve and not reason:
        raise DomainError(_("不通过时请说明原因。"), field="reason")
    claim.status = "approved" if approve else "rejected"
    claim.decided_by_id, claim.decided_at, claim.reason = getattr(actor, "id", None), utcnow(), reason
    if approve:
        claim.points = award_points(
            claim.volunteer, claim.minutes, points_per_hour(town_of(claim.team.grid)),
            _("志愿服务 %(h)s 小时：%(what)s", h=hours_text(claim.minutes), what=claim.description),
            f"volunteers.claim:{claim.id}", actor)
    audit.record("volunteers.claim_" + claim.status, claim, scope_code=claim.scope_code,
                 user=actor, minutes=claim.minutes, reason=reason)
    return claim


# ---------------------------------------------------------------- pairing help


@dataclass
class PairingDue:
    pairing: VolunteersPairing
    last_visit: date | None
    due_on: date

    @property
    def overdue_days(self) -> int:
        return (local_today() - self.due_on).days


def pairings_due(scope: Grid, only_overdue=False) -> list[PairingDue]:
    """Active pairings under ``scope`` with their next visit date, most overdue first."""
    from portal.tenancy import in_subtree_where_on
    from portal.people.models import Household

    last = (select(VolunteersPairVisit.pairing_id, func.max(VolunteersPairVisit.visited_on)
                   .label("last")).group_by(VolunteersPairVisit.pairing_id).subquery())
    rows = db.session.execute(
        select(VolunteersPairing, last.c.last)
        .join(Household, Household.id == VolunteersPairing.household_id)
        .join(Grid, Grid.id == Household.grid_id)
        .outerjoin(last, last.c.pairing_id == VolunteersPairing.id)
        .where(in_subtree_where_on("volunteers", scope), VolunteersPairing.ended_on.is_(None))
        .options(joinedload(VolunteersPairing.household), joinedload(VolunteersPairing.volunteer))
    ).all()
    result = []
    for pairing, last_visit in rows:
        due = (last_visit or pairing.started_on) + timedelta(days=pairing.visit_days)
        if not only_overdue or due < local_today():
            result.append(PairingDue(pairing, last_visit, due))
    return sorted(result, key=lambda d: d.due_on)


def count_overdue_pairings(scope: Grid, on: date | None = None) -> int:
    """How many active pairings under ``scope`` are overdue for a visit: one SQL count (the
    home-page card), the same rule as ``pairings_due(..., only_overdue=True)``."""
    from portal.tenancy import in_subtree_where_on
    from portal.people.models import Household

    on = on or local_today()
    last = (select(VolunteersPairVisit.pairing_id, func.max(VolunteersPairVisit.visited_on)
                   .label("last")).group_by(VolunteersPairVisit.pairing_id).subquery())
    since = func.coalesce(last.c.last, VolunteersPairing.started_on)
    if db.engine.dialect.name == "postgresql":
        due = since + VolunteersPairing.visit_days  # date + integer is a date
        overdue = due < on
    else:  # SQLite: dates are ISO text, counted in days by julianday()
        overdue = func.julianday(since) + VolunteersPairing.visit_days < func.julianday(
            on.isoformat())
    return db.session.scalar(
        select(func.count()).select_from(VolunteersPairing)
        .join(Household, Household.id == VolunteersPairing.household_id)
        .join(Grid, Grid.id == Household.grid_id)
        .outerjoin(last, last.c.pairing_id == VolunteersPairing.id)
        .where(in_subtree_where_on("volunteers", scope),
               VolunteersPairing.ended_on.is_(None), overdue))


def record_pair_visit(pairing, visited_on: date, found: str, actor=None):
    if visited_on > local_today():
        raise DomainError(_("走访日期不能晚于今天。"), field="visited_on")
    if visited_on < pairing.started_on:
        raise DomainError(_("走访日期不能早于结对日期。"), field="visited_on")
    visit = VolunteersPairVisit(pairing_id=pairing.id, visited_on=visited_on, found=found,
                                user_id=getattr(actor, "id", None))
    db.session.add(visit)
    db.session.flush()
    return visit


# ---------------------------------------------------------------- proxy services


def request_proxy(resident, errand, description, actor=None, case=None) -> VolunteersProxy:
    proxy = VolunteersProxy(town_id=town_of(resident.grid).id, grid_id=resident.grid_id,
                            resident_id=resident.id, errand=errand, description=description,
                            case_id=case.id if case else None,
                            created_by_id=getattr(actor, "id", None))
    db.session.add(proxy)
    db.session.flush()
    audit.record("volunteers.proxy_request", proxy, scope_code=resident.grid.code, user=actor,
                 errand=errand, case=case.number if case else None)
    return proxy


#: state -> the states a proxy service may move to.
PROXY_MOVES = {"requested": ("accepted", "cancelled"), "accepted": ("done", "cancelled"),
               "done": (), "cancelled": ()}


def move_proxy(proxy: VolunteersProxy, to: str, actor=None, volunteer=None, result=None,
               satisfaction=None) -> VolunteersProxy:
    if to not in PROXY_MOVES[proxy.status]:
        raise DomainError(_("代办事项当前状态不能这样办理。"))
    if to == "accepted":
        if volunteer is None:
            raise DomainError(_("请选择代办志愿者。"), field="volunteer")
        if volunteer.town_id != proxy.town_id:
            raise DomainError(_("志愿者不在本镇。"), field="volunteer")
        proxy.volunteer_id, proxy.accepted_at = volunteer.id, utcnow()
    if to == "done":
        if not result:
            raise DomainError(_("请填写办理结果。"), field="result")
        if satisfaction is not None and satisfaction not in range(1, 6):
            raise DomainError(_("满意度为1到5。"), field="satisfaction")
        proxy.done_at, proxy.result, proxy.satisfaction = utcnow(), result, satisfaction
    proxy.status = to
    audit.record("volunteers.proxy_" + to, proxy, scope_code=proxy.grid.code, user=actor)
    return proxy
