"""Demo rentals for the demo town: in 城西社区's first grid a house let with two living tenants
from outside (one whose registration of temporary residence expires in 12 days, one whose runs
most of a year) and one who left, the landlord's letter still to upload; two residents of the
grid working elsewhere (户在人不在) and one who came back. Idempotent."""
from datetime import timedelta

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.people.models import Resident
from portal.timeutil import local_today

from . import services
from .models import RentalsLetting

VILLAGE_NAME = "城西社区"


def load(town: Grid) -> list:
    village = db.session.scalar(select(Grid).filter_by(parent_id=town.id, level=VILLAGE,
                                                       name=VILLAGE_NAME))
    worker = db.session.scalar(select(User).filter_by(username="gridworker"))
    if village is None or worker is None:
        return []
    first = db.session.scalar(select(Grid).filter_by(parent_id=village.id, level=GRID)
                              .order_by(Grid.code).limit(1))
    if first is None or db.session.scalar(select(RentalsLetting.id).filter_by(grid_id=first.id)
                                          .limit(1)):
        return []
    people = db.session.scalars(select(Resident).filter_by(grid_id=first.id, left_at=None)
                                .order_by(Resident.id).limit(12)).all()
    if len(people) < 8:
        return []
    today = local_today()
    landlord = people[0]
    letting = services.let_house(landlord, started_on=today - timedelta(days=200), rooms=4,
                                 note="二楼整层出租，外来务工人员居住。", actor=worker)
    services.add_tenant(letting, name="刘建军", id_number="43010219850615001X",
                        phone="13787001234", moved_in_on=today - timedelta(days=170),
                        registration_number="湘阴暂住2026-0312",
                        registered_on=today - timedelta(days=168),
                        registration_expires_on=today + timedelta(days=12), actor=worker)
    services.add_tenant(letting, name="陈小燕", phone="15874005678",
                        moved_in_on=today - timedelta(days=60),
                        registration_number="湘阴暂住2026-0588",
                        registered_on=today - timedelta(days=58),
                        registration_expires_on=today + timedelta(days=300), actor=worker)
    gone = services.add_tenant(letting, name="黄志强", moved_in_on=today - timedelta(days=190),
                               registration_number="湘阴暂住2025-0977",
                               registered_on=today - timedelta(days=188),
                               registration_expires_on=today - timedelta(days=10), actor=worker)
    services.end_tenant(gone, today - timedelta(days=40), actor=worker)
    # 户在人不在: residents of another household than the landlord's
    others = [p for p in people if p.household_id != landlord.household_id]
    services.record_away(others[0], place="广东省东莞市长安镇", since=today - timedelta(days=400),
                         reason="work", actor=worker)
    services.record_away(others[-1], place="长沙市岳麓区(湖南师范大学)",
                         since=today - timedelta(days=150), reason="study", actor=worker)
    back = services.record_away(others[1], place="浙江省义乌市", since=today - timedelta(days=300),
                                reason="business", actor=worker)
    services.end_away(back, today - timedelta(days=30), actor=worker)
    db.session.flush()
    return []
