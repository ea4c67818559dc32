"""Demo associations for one town: the three the articles name in every village, with items,
members, this year's and last year's scores, a pending appeal, a report and dues. The demo's
`xiehui` login runs 城西社区's safety association. Idempotent."""
import random
from datetime import date, timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.demo import village_login
from portal.extensions import db
from portal.grids.models import VILLAGE, Grid
from portal.people.models import Resident
from portal.tenancy import in_subtree
from portal.timeutil import local_today

from . import services
from .models import AssociationsAssociation, AssociationsItem, AssociationsScore

ASSOCIATIONS = [("平安乡村协会", "safety", None), ("移风易俗协会", "customs", 2000),
                ("环境卫生协会", "sanitation", None)]
ITEMS = {"safety": [("参加义务巡逻", 2), ("调解邻里纠纷", 3), ("发现并报告安全隐患", 2),
                    ("无故缺席例会", -2)],
         "customs": [("红白喜事简办", 5), ("劝导大操大办", 3), ("参加移风易俗宣传", 2),
                     ("违规大操大办", -10)],
         "sanitation": [("门前三包达标", 2), ("参加环境整治", 2), ("乱堆乱放", -3),
                        ("焚烧垃圾", -5)]}


#: The demo's association officer (``portal demo`` prints the login): runs the safety association
#: of this village of the demo town.
LOGIN = ("xiehui", "assoc_officer", "城西社区")


def logins(town: Grid) -> list:
    """The plugin's demo login, made once; printed by ``portal demo`` with the core's."""
    return village_login(town, *LOGIN)


def load(town: Grid) -> None:
    villages = db.session.scalars(select(Grid).where(Grid.parent_id == town.id,
                                                     Grid.level == VILLAGE).order_by(Grid.code)).all()
    if not villages or db.session.scalar(select(AssociationsAssociation.id).where(
            AssociationsAssociation.grid_id.in_([v.id for v in villages])).limit(1)):
        return
    rng = random.Random(town.code + "associations")
    officer = db.session.scalar(select(User).filter_by(username=LOGIN[0]))
    today = local_today()
    for village in villages:
        residents = db.session.scalars(
            select(Resident).join(Grid, Grid.id == Resident.grid_id)
            # module on or off: demo data, written for a town that has it on
            .where(in_subtree(Grid.code, village), Resident.left_at.is_(None))
            .order_by(Resident.id).limit(30)).all()
        for name, kind, dues in ASSOCIATIONS:
            association = services.create(
                village, name=name, kind=kind, dues_fen=dues,
                charter=f"{village.name}{name}章程：在村党支部领导下开展工作，会员实行百分制管理。")
            if kind == "safety" and officer is not None and \
                    in_subtree(officer.scope.code, village):
                services.add_officer(association, officer, "会长")
            items = []
            for item_name, points in ITEMS[kind]:
                item = AssociationsItem(association_id=association.id, name=item_name,
                                        points=points)
                db.session.add(item)
                items.append(item)
            db.session.flush()
            members = [services.add_member(association, r, on=date(today.year - 1, 3, 1))
                       for r in rng.sample(residents, min(10, len(residents)))]
            for member in members:
                for year_back in (1, 0):
                    for _ in range(rng.randint(1, 4)):
                        day = date(today.year - year_back, rng.randint(3, 12), rng.randint(1, 28))
                        if day > today:
                            day = today - timedelta(days=rng.randint(1, 30))
                        item = rng.choice(items)
                        services.record_score(member, item, reason=f"{day:%m月%d日}{item.name}",
                                              happened_on=day)
            deduction = next((s for s in db.session.scalars(
                select(AssociationsScore).filter_by(association_id=association.id,
                                                             year=today.year))
                if s.points < 0), None)
            if deduction is not None:
                services.appeal(deduction, "当天在外务工，不在村里，请核实。")
            services.submit_report(association, f"{today.year}年第三季度",
                                   "本季度开展活动三次，会员参与率九成，记分情况已公示。")
            if dues:
                for member in members[:6]:
                    services.pay_dues(member, today.year, today - timedelta(days=rng.randint(5, 60)))
    db.session.flush()
