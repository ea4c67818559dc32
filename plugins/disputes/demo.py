"""Demo disputes for the demo town: one that ran the whole ladder (grid → village committees →
written report → the town's office → joint mediation → an agreement with a follow-up visit
due), one agreed on the spot and closed after its visits, one with the village committees, a red
one reported to the town at once, one that ended without agreement; and the monthly screening of
城西社区's grids (last month all in, one grid still to report this month). The demo's `tiaojie`
login is 城西社区's people's mediator. Idempotent."""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.demo import village_login
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, VILLAGE, Grid
from portal.people.models import Resident
from portal.timeutil import local_today, to_utc

from . import services
from .models import Dispute, DisputeScreening
from .services import PartyInput

LOGIN = ("tiaojie", "mediator", "城西社区")
SMALL = [("neighbour", "鸡鸭啄食菜地", "邻居家鸡鸭进菜地啄食，双方口角。"),
         ("family", "婆媳口角", "婆媳因家务琐事争吵。")]


def _actors(town: Grid):
    names: dict[str, User | None] = {"gridworker": None, "chengxi": None, "wenxing": None}
    for user in db.session.scalars(select(User).where(User.username.in_(list(names)))):
        names[user.username] = user
    worker, village_admin, town_admin = names["gridworker"], names["chengxi"], names["wenxing"]
    if worker is None or village_admin is None or town_admin is None \
            or town_admin.scope_id != town.id:
        return None
    return worker, village_admin, town_admin


def _date_steps(dispute: Dispute, days: list[int]) -> None:
    """Spread the timeline over the weeks it took (the services stamp every step now)."""
    for step, offset in zip(dispute.steps, days, strict=False):
        day = dispute.found_on + timedelta(days=offset)
        step.at = to_utc(datetime.combine(day, time(9 + offset % 8, 10 * (offset % 6))))


def load(town: Grid) -> list:
    made = village_login(town, *LOGIN)
    actors = _actors(town)
    village = db.session.scalar(select(Grid).filter_by(parent_id=town.id, level=VILLAGE,
                                                       name=LOGIN[2]))
    if actors is None or village is None:
        return made
    grids = db.session.scalars(select(Grid).filter_by(parent_id=village.id, level=GRID)
                               .order_by(Grid.code)).all()
    if not grids or db.session.scalar(select(Dispute.id).where(
            Dispute.grid_id.in_([g.id for g in grids])).limit(1)):
        return made
    worker, village_admin, town_admin = actors
    first = grids[0]
    people = db.session.scalars(select(Resident).filter_by(grid_id=first.id, left_at=None)
                                .order_by(Resident.id).limit(6)).all()
    if len(people) < 4:
        return made
    today = local_today()

    def party(resident, side):
        return PartyInput(name="", side=side, resident_id=resident.id)

    # 1. the whole ladder, agreed at joint mediation 65 days ago: the first visit was made,
    # the second is due
    whole = services.register(
        first, kind="neighbour", title="宅基地边界排水沟纠纷",
        description="两户因新建围墙占用排水沟发生争执，雨天积水倒灌，双方多次争吵。",
        found_on=today - timedelta(days=100), parties=[party(people[0], "a"), party(people[1], "b")],
        amount=8000, actor=worker)
    services.take(whole, "note", worker, note="网格员到场劝解，双方情绪激动，未达成一致。")
    services.take(whole, "to_village", worker, note="驻片调处未成，提交村两委会商。")
    services.take(whole, "report", village_admin,
                  note="两委会商意见：围墙后退0.5米，由村委会出资疏通水沟；被申请方不同意。书面上报镇综治办。")
    services.take(whole, "assign", town_admin, note="交镇司法所牵头，国土所协办。",
                  responsible_unit="镇司法所", leading_cadre="李副镇长", helpers="镇国土所")
    services.take(whole, "joint", town_admin, note="涉及宅基地确权，组织司法所、国土所和村委会联合调处。",
                  helpers="镇司法所、镇国土所、城西社区")
    services.agree(whole, town_admin, terms="一、被申请方围墙后退0.5米，恢复排水沟原宽度；\n"
                   "二、排水沟由村委会组织疏通，费用双方各半；\n三、双方今后不得再占用公共水沟。",
                   mediator="镇司法所 王调解员", signed_on=today - timedelta(days=65),
                   signed_party_ids={p.id for p in whole.parties})
    first_visit = whole.agreement.followups[0]
    services.record_followup(first_visit, worker, kept=True, note="围墙已后退，水沟已疏通。",
                             on=first_visit.due_on)
    _date_steps(whole, [0, 1, 3, 8, 10, 20, 35])

    # 2. agreed on the spot, visited and closed
    family = services.register(
        first, kind="family", title="赡养老人费用分摊",
        description="兄弟二人对母亲医药费分摊有争议。",
        found_on=today - timedelta(days=130), parties=[party(people[2], "a"), party(people[3], "b")],
        actor=worker)
    services.agree(family, worker, terms="医药费兄弟二人各承担一半，每月5日前交给母亲。",
                   mediator=worker.display_name or "网格员", signed_on=today - timedelta(days=125),
                   signed_party_ids={p.id for p in family.parties})
    for visit in family.agreement.followups:
        services.record_followup(visit, worker, kept=True, note="按月履行。", on=visit.due_on)
    services.take(family, "close", worker)
    family.closed_on = family.agreement.followups[-1].due_on
    _date_steps(family, [0, 5, 95])

    # 3. with the village committees now
    land = services.register(
        grids[1] if len(grids) > 1 else first, kind="land", title="承包田界址争议",
        description="两户对承包田田埂位置说法不一，影响春耕。",
        found_on=today - timedelta(days=6),
        parties=[PartyInput(name="周德明", side="a", phone="13907310001"),
                 PartyInput(name="吴桂香", side="b")], actor=worker)
    services.take(land, "to_village", village_admin, note="需查阅确权登记图，提交两委会商。")

    # 4. red: a risk of violence, reported to the town at once
    services.register(
        first, kind="contract", title="工程款拖欠，扬言报复",
        description="外来施工队负责人称被拖欠工程款，多次到发包人家中吵闹并扬言报复。",
        found_on=today - timedelta(days=1), amount=180000, criminal_risk=True,
        parties=[PartyInput(name="某建筑施工队 刘某", side="a"), party(people[4] if len(people) > 4
                                                                  else people[0], "b")],
        actor=worker)

    # 5. mediation failed: the parties were sent to court
    labour = services.register(
        first, kind="labour", title="务工工资结算争议",
        description="村民在镇上工厂务工，离职后工资结算金额有争议。",
        found_on=today - timedelta(days=50), amount=6000,
        parties=[party(people[1], "a"), PartyInput(name="镇某鞋厂", side="b")], actor=worker)
    services.take(labour, "terminate", worker, note="双方差距较大，已引导申请劳动仲裁。")

    # 6. small ones settled on the spot today in the other grids, by the village's committee
    for grid, (kind, title, what) in zip(grids[1:3], SMALL, strict=False):
        small = services.register(grid, kind=kind, title=title, description=what, found_on=today,
                                  parties=[PartyInput(name=n, side=side) for n, side in
                                           (("李桂兰", "a"), ("王建国", "b"))],
                                  actor=village_admin)
        services.agree(small, village_admin, terms="双方当面和解，互相道歉。", mediator="村调委会",
                       signed_on=today, signed_party_ids={p.id for p in small.parties})

    # the screening: last month every grid reported (zero where none was found), this month
    # all but the last
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    every = db.session.scalars(select(Grid).where(Grid.parent_id == village.id,
                                                  Grid.level.in_((GRID, SPECIAL)))
                               .order_by(Grid.code)).all()
    late = grids[-1]  # this month's last base grid has not reported yet
    for month, reporting in ((last_month, every), (this_month, [g for g in every if g != late])):
        for grid in reporting:
            if db.session.scalar(select(DisputeScreening.id).filter_by(grid_id=grid.id,
                                                                       month=month)):
                continue
            found = services.found_in(grid, month)
            services.report_screening(grid, month, worker, zero=found == 0,
                                      note="已入户排查，未发现矛盾纠纷。" if found == 0 else None)
    db.session.flush()
    return made
