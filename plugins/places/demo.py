"""Demo places for the demo town (文星镇): sixteen places in four grids (城西社区's first and
second, 凤南村's first, 洞庭村's first), near the middle of each grid's demo boundary, a mix of
units, nine small places and public facilities. Inspections make some due within the week, some
overdue and some fine; a failed inspection left an open hazard already reported as a case, one
hazard was rectified at a re-inspection, one is past its rectification deadline; a school's
licence expires in 20 days and a workshop's has expired; one place has closed. Idempotent."""
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.grids.models import GRID, VILLAGE, Grid
from portal.maps.models import GridBoundary
from portal.timeutil import local_today

from . import services
from .kinds import PASS, checklist
from .models import PlacesPlace

#: (village, grid index in the village) -> places: (name, kind, address, person in charge,
#: registered days ago, [(inspected days ago, {failed item: deadline in days from today})]).
PLACES: dict[tuple[str, int], list[tuple[Any, ...]]] = {
    ("城西社区", 0): [
        ("城西便利店", "small_store", "城西路12号", "王建华", 300, [(40, {})]),
        ("老王小吃店", "small_eatery", "城西路18号", "王德明", 300, [(20, {"gas": 10})]),
        ("悦来旅馆", "small_hotel", "城西路25号", "李桂英", 300,
         [(50, {"exits": -43}), ("re", 40), (25, {})]),
        ("极速网吧", "small_netcafe", "城西路31号", "陈志强", 300, [(35, {"wiring": -28})]),
        ("城西社区公厕", "toilet", "城西路与文星路交叉口", None, 300, [(10, {})]),
        ("城西小学", "school", "文星路8号", "刘红梅", 300, [(60, {})]),
        ("金嗓子歌舞厅", "small_karaoke", "城西路40号", "赵勇", 300, [(70, {})]),
    ],
    ("城西社区", 1): [
        ("鑫盛五金商铺", "shop", "城西二路3号", "周海军", 100, []),
        ("美丽人生美容美发", "small_beauty", "城西二路9号", "吴丽", 200, [(28, {})]),
        ("城西二路垃圾收集点", "refuse_point", "城西二路15号旁", None, 10, []),
    ],
    ("凤南村", 0): [
        ("凤南豆腐作坊", "small_workshop", "凤南一组6号", "黄春秀", 200, [(15, {})]),
        ("凤南村卫生室", "small_clinic", "凤南村部旁", "孙平", 45, []),
        ("凤南村便民服务室", "service_room", "凤南村部", None, 200, [(5, {})]),
    ],
    ("洞庭村", 0): [
        ("洞庭湖水产加工厂", "enterprise", "洞庭上屋场1号", "郭志辉", 300, [(80, {})]),
        ("洞庭幼儿园", "small_school", "洞庭上屋场12号", "何秀兰", 300, [(33, {})]),
        ("洞庭村主干道路灯", "street_light", "洞庭村主干道", None, 300, [(12, {})]),
    ],
}
#: Licences: place -> [(name, number, expires in days from today)].
LICENCES = {
    "城西小学": [("办学许可证", "教民143062470001号", 20)],
    "凤南豆腐作坊": [("食品小作坊登记证", "湘食登2024-0612", -5), ("营业执照", "92430624MA4L0001X", None)],
    "老王小吃店": [("营业执照", "92430624MA4L0002Y", None), ("食品经营许可证", "JY24306240001", 200)],
    "悦来旅馆": [("特种行业许可证", "湘公特旅字2023-015", 400)],
}
CLOSED = {"金嗓子歌舞厅": 30}
#: The hazard already reported as a case.
REPORTED = ("老王小吃店", "gas")


def _grid(town: Grid, village_name: str, index: int) -> Grid | None:
    village = db.session.scalar(select(Grid).filter_by(parent_id=town.id, level=VILLAGE,
                                                       name=village_name))
    if village is None:
        return None
    grids = db.session.scalars(select(Grid).filter_by(parent_id=village.id, level=GRID)
                               .order_by(Grid.code)).all()
    return grids[index] if len(grids) > index else None


def _spot(grid: Grid, n: int) -> tuple[float | None, float | None]:
    """A point near the middle of the grid's boundary, a little apart for each place."""
    box = db.session.scalar(select(GridBoundary).filter_by(grid_id=grid.id))
    if box is None:
        return None, None
    lat = (box.min_lat + box.max_lat) / 2 + ((n % 3) - 1) * 0.0025
    lon = (box.min_lon + box.max_lon) / 2 + ((n // 3) % 3 - 1) * 0.0025
    return round(lat, 6), round(lon, 6)


def load(town: Grid) -> list:
    worker = db.session.scalar(select(User).filter_by(username="gridworker"))
    admin = db.session.scalar(select(User).filter_by(username="wenxing"))
    if worker is None or admin is None:
        return []
    grids = {key: _grid(town, *key) for key in PLACES}
    if any(g is None for g in grids.values()) or db.session.scalar(
            select(PlacesPlace.id).where(PlacesPlace.grid_id.in_([g.id for g in grids.values()]))
            .limit(1)):
        return []
    today = local_today()
    made: dict[str, PlacesPlace] = {}
    for key, places in PLACES.items():
        grid = grids[key]
        actor = worker if worker.scope_id == grid.id else admin
        for n, (name, kind, address, person, registered, inspections) in enumerate(places):
            lat, lon = _spot(grid, n)
            place = services.register(
                grid, name=name, kind=kind, address=address, latitude=lat, longitude=lon,
                person_in_charge=person, contact_phone=f"1387300{1000 + len(made):04d}",
                staff_count=None if kind in ("toilet", "refuse_point", "street_light",
                                             "service_room") else 2 + n * 3,
                registered_on=today - timedelta(days=registered), actor=actor)
            made[name] = place
            for entry in inspections:
                _inspect(place, entry, today, actor)
    for name, licences in LICENCES.items():
        for title, number, expires in licences:
            services.add_licence(made[name], name=title, number=number, actor=worker,
                                 expires_on=None if expires is None
                                 else today + timedelta(days=expires))
    for name, days in CLOSED.items():
        services.close(made[name], today - timedelta(days=days), actor=admin)
    place_name, item = REPORTED
    hazard = next(h for h in services.open_hazards_of(made[place_name]) if h.item == item)
    case = services.hazard_to_case(hazard, worker)
    db.session.flush()
    for event in case.events:  # the timeline starts when the case was reported, as the demo's do
        event.at = case.created_at
    return []


def _inspect(place: PlacesPlace, entry: tuple, today: date, actor) -> None:
    if entry[0] == "re":  # a re-inspection finding every open hazard fixed
        hazards = services.open_hazards_of(place)
        services.reinspect(place, inspected_on=today - timedelta(days=entry[1]),
                           outcomes={h.id: {"fixed": True} for h in hazards}, actor=actor)
        return
    days, failed = entry
    results = {item: PASS for item in checklist(place.kind)}
    results.update({item: "fail" for item in failed})
    descriptions = {"gas": "液化气钢瓶放在后厨灶台旁，未装燃气泄漏报警器。",
                    "exits": "后门安全出口堆放杂物，无法打开。",
                    "wiring": "二楼机房电线私拉乱接，插线板串接。"}
    services.inspect(place, inspected_on=today - timedelta(days=days), results=results,
                     hazards={item: {"description": descriptions.get(item, ""),
                                     "deadline": today + timedelta(days=deadline)}
                              for item, deadline in failed.items()},
                     note="例行安全检查。", actor=actor)
