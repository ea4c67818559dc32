"""A realistic demo county: two towns, six villages, 24 base grids and three special grids, the
staff of every grid, households and residents, and a login for every role (a plugin's roles'
logins come with its demo data). Idempotent: every record is looked up before it is created."""
import random
from datetime import date, datetime, timedelta

from portal.auth.models import User
from portal.auth.services import create_user
from portal.extensions import db
from portal.grids import services as grids
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid, GridStaff
from portal.people.identity import make_id_number
from portal.people.models import Household, Resident, Visit
from portal.people.services import add_household, add_resident
from portal.plugins import host
from portal.timeutil import local_today, utcnow

DEMO_PASSWORD = "demo2026"

COUNTY_CODE, COUNTY_NAME = "430624", "湘阴县"
TREE = {
    "文星镇": {
        "城西社区": ["第一网格", "第二网格", "第三网格", "第四网格"],
        "凤南村": ["凤南一组网格", "凤南二组网格", "凤南三组网格", "凤南四组网格"],
        "洞庭村": ["洞庭上屋场网格", "洞庭下屋场网格", "洞庭湾网格", "洞庭桥网格"],
    },
    "樟树镇": {
        "樟树港村": ["港口网格", "老街网格", "新街网格", "河堤网格"],
        "新泉村": ["新泉一组网格", "新泉二组网格", "新泉三组网格", "新泉四组网格"],
        "荷叶村": ["荷叶塘网格", "荷叶湾网格", "荷叶山网格", "荷叶坪网格"],
    },
}
SPECIAL_GRIDS = [  # (town, village or None, name, kind)
    ("文星镇", None, "湘阴县第一中学网格", "school"),
    ("文星镇", "城西社区", "城西工业园企业网格", "enterprise"),
    ("樟树镇", None, "樟树农贸市场网格", "market"),
]
SUPERVISION_PHONE = "0730-12345"

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国红云飞鹏志辉春秀海燕亮林宇欣怡浩然子涵"

POSTS = [("leader", "负责网格全面工作，组织开展走访和矛盾调处"),
         ("worker", "每日巡查，采集信息，上报和跟进事件"),
         ("instructor", "镇干部，指导网格工作"),
         ("liaison", "县直单位干部，联系服务网格"),
         ("representative", "收集反映群众诉求"),
         ("representative", "收集反映群众诉求")]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def demo_login(username: str, role: str, scope: Grid, rng, department=None) -> User:
    """A demo login with the demo password, looked up first (the demo is idempotent). The core
    makes its roles' logins with it and a plugin its own in ``register_demo_data``. Department
    staff get ``department`` (one made before departments existed is put right)."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is not None:
        if user.role == "dept_staff" and user.department_id is None and department is not None:
            user.department = department
        return user
    return create_user(username=username, password=DEMO_PASSWORD, role=role, scope=scope,
                       display_name=_name(rng), department=department)


def village_login(town: Grid, username: str, role: str, village_name: str) -> list:
    """A plugin's demo login in the village of ``town`` so named, made once; returns
    [(username, role, village)] for ``portal demo`` to print, or [] where the town has no such
    village (a town the demo did not build)."""
    village = db.session.scalar(db.select(Grid).filter_by(parent_id=town.id, name=village_name))
    if village is None:
        return []
    demo_login(username, role, village, random.Random(username))
    return [(username, role, village)]


def _phone(rng) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _child(parent: Grid, level: str, name: str, **fields) -> Grid:
    existing = db.session.scalar(db.select(Grid).filter_by(parent_id=parent.id, name=name))
    return existing or grids.create_grid(parent, level, name, **fields)


def _staff(grid: Grid, rng, user=None):
    if grid.staff:
        return
    for order, (post, duties) in enumerate(POSTS):
        account = user if post == "worker" else None
        db.session.add(GridStaff(grid=grid, post=post, duties=duties, sort_order=order,
                                 name=account.display_name if account else _name(rng),
                                 phone=(account.phone if account else None) or _phone(rng),
                                 user_id=account.id if account else None))


CARE_WEIGHTS = [(None, 80), ("elderly_alone", 5), ("empty_nest", 4), ("disabled", 3),
                ("in_difficulty", 3), ("left_behind_child", 3), ("low_income", 2)]


def _birth(rng, relation) -> date:
    ages = {"head": (35, 85), "spouse": (33, 83), "child": (1, 40), "parent": (60, 92)}
    low, high = ages.get(relation, (18, 80))
    return local_today() - timedelta(days=rng.randint(low * 365, high * 365))


def _households(grid: Grid, rng, counter, worker):
    """15-25 households with 2-4 members each: valid ID numbers, a few of each colour, people in
    care categories, and visits of which some are overdue."""
    if db.session.scalar(db.select(Household.id).filter_by(grid_id=grid.id).limit(1)):
        return
    for number in range(1, rng.randint(15, 25) + 1):
        colour = rng.choices([None, "green", "yellow", "red"], weights=[70, 15, 10, 5])[0]
        household = add_household(grid, f"{grid.name.replace('网格', '')}{number}号",
                                  number=f"{number:03d}", colour=colour)
        surname = rng.choice(SURNAMES)
        relations = ["head", *rng.sample(["spouse", "child", "child", "parent"], rng.randint(1, 3))]
        for relation in relations:
            name = _name(rng) if relation == "spouse" else \
                surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            born = _birth(rng, relation)
            counter[0] += 1
            female = relation == "spouse" or rng.random() < 0.5
            care = rng.choices([c for c, _ in CARE_WEIGHTS], [w for _, w in CARE_WEIGHTS])[0]
            add_resident(household, name, relation=relation,
                         id_number=make_id_number(COUNTY_CODE, born, counter[0], female),
                         phone=_phone(rng) if relation in ("head", "spouse") else None,
                         party_member=rng.random() < 0.08, care=[care] if care else [])
        # most households were visited recently; some are overdue
        days_ago = rng.choice([3, 10, 20, 40, 90, 200, None])
        if days_ago is not None and worker is not None:
            db.session.add(Visit(household_id=household.id, grid_id=grid.id, user_id=worker.id,
                                 visited_on=local_today() - timedelta(days=days_ago),
                                 found=rng.choice(["家中一切正常", "老人身体不适，已联系村医",
                                                   "反映路灯不亮", "子女在外务工，已留联系电话"])))


CASE_SAMPLES = [
    ("dispute", "邻里宅基地边界纠纷", "两户为宅基地边界发生争执，需要调解"),
    ("hazard", "村口路灯不亮", "村口两盏路灯坏了，晚上出行不便"),
    ("safety_hazard", "河堤护栏松动", "河堤边护栏松动，有小孩在附近玩耍"),
    ("problem", "垃圾清运不及时", "组里垃圾桶满了三天没人清运"),
    ("need", "独居老人申请代办医保", "老人行动不便，希望帮忙办理医保缴费"),
    ("mediation", "土地流转费用争议", "几户对流转费用分配有意见"),
    ("public_opinion", "群众反映道路坑洼", "通组公路多处坑洼，雨天积水"),
    ("proxy_service", "代办残疾证年审", "残疾人家属请求代办年审手续"),
]
#: Where the demo's cases end up, with weights: every state appears.
CASE_PATHS = [("received", 3), ("assigned", 2), ("in_progress", 2), ("escalated", 1),
              ("resolved", 2), ("closed", 2), ("evaluated", 6), ("duplicate", 1)]


#: What reporters write when they rate a case, by whether it was solved in time.
EVALUATIONS = {True: [("很及时", 5), ("满意", 5), ("", 5), ("处理得很好", 4), ("基本满意", 4)],
               False: [("时间长了点，总算解决了", 3), ("基本满意", 4), ("希望下次快一点", 2)]}


def _steps(created: datetime, now: datetime, rng) -> dict[str, datetime]:
    """When each step of a case was taken: in order, the first a few hours after it was reported,
    none later than now. A step takes at most a share of the time left before now (a case
    reported an hour ago was handled within that hour), so the whole story fits before now."""
    def after(moment: datetime, seconds: float) -> datetime:
        room = (now - moment).total_seconds()
        return moment + timedelta(seconds=max(0.0, min(seconds, room * 0.3)))

    steps = {"report": created}
    steps["escalate"] = steps["duplicate"] = after(created, rng.uniform(1, 20) * 3600)
    steps["assign"] = after(created, rng.uniform(0.5, 20) * 3600)
    steps["start"] = after(steps["assign"], rng.uniform(0.5, 8) * 3600)
    steps["feedback"] = after(steps["start"], rng.uniform(0.5, 6) * 3600)
    solved_by = created + timedelta(days=rng.choice([1, 2, 3, 5, 8, 12]))
    steps["resolve"] = after(steps["feedback"], (solved_by - steps["feedback"]).total_seconds())
    steps["close"] = after(steps["resolve"], 6 * 3600)
    steps["evaluate"] = after(steps["close"], rng.uniform(1, 48) * 3600)
    return steps


#: The demo's departments (portal.departments): the county's, and every town's.
COUNTY_DEPARTMENTS = ("民政局", "住建局", "自然资源局", "公安局")
TOWN_DEPARTMENTS = ("派出所", "司法所", "民政办")


def _departments(county: Grid, towns: list[Grid]) -> dict:
    """(owner id, name) -> department, each made once."""
    from portal.departments.models import Department
    from portal.departments.services import create_department

    made = {}
    for owner, names in ((county, COUNTY_DEPARTMENTS), *((t, TOWN_DEPARTMENTS) for t in towns)):
        for name in names:
            made[(owner.id, name)] = db.session.scalar(
                db.select(Department).filter_by(owner_id=owner.id, name=name)) \
                or create_department(owner, name)
    return made


def _department_for(departments: dict, grid: Grid, number: int):
    """A department of the case's town or the county, by the case's number (the demo's random
    sequence is left as it was)."""
    choices = [d for d in departments.values() if grid.code.startswith(d.owner.code)]
    return choices[number % len(choices)]


def _department_help(users: dict) -> None:
    """One open case of the county's 民政局 in 文星镇 asks 文星镇's 派出所 to help (协办), so that
    both demo department logins find something in their inbox."""
    from portal.cases.models import Case
    from portal.cases.services import act

    civil = users["minzheng"].department
    police = users["paichusuo"].department
    case = db.session.scalar(
        db.select(Case).join(Grid, Grid.id == Case.grid_id)
        .where(Case.department_id == civil.id, Case.state.in_(("assigned", "in_progress")),
               Grid.code.startswith(police.owner.code)).order_by(Case.id).limit(1))
    if case is not None:
        act(case, users["minzheng"], "assist", "请派出所协助核实当事人情况", department=police)


def _cases(nodes, users, rng, departments=None):
    """About 150 cases over four months, in every state; lights of every colour among the open.
    Each case's steps are dated in order between its report and now (the services date them
    now; the demo moves them back to when the story says they happened), and a reporter rates
    a case "很及时" only when it was solved before its deadline."""
    from portal.cases import deadlines
    from portal.cases.models import Case
    from portal.cases.services import act, report

    if db.session.scalar(db.select(Case.id).limit(1)):
        return
    admin = users["county"]
    grids = [g for g in nodes.values() if g.level == GRID]
    first = nodes["城西社区/第一网格"]
    made = []
    now = utcnow()
    for number in range(150):
        grid = first if number % 5 == 0 else rng.choice(grids)
        category, title, text = rng.choice(CASE_SAMPLES)
        age = rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 90, 120])
        created = now - timedelta(days=age, hours=rng.randint(0, 8))
        reporter = users["gridworker"] if grid is first else None
        case = report(grid, category=category, title=title, description=text,
                      source="patrol" if reporter else rng.choice(["public", "resident"]),
                      reporter=reporter, reporter_name=None if reporter else _name(rng),
                      reporter_phone=None if reporter else _phone(rng), major=rng.random() < 0.05)
        case.created_at = created
        deadlines.set_deadlines(case, deadlines.local_date(created), start_at=created)
        case.number = f"{deadlines.local_date(created):%Y%m%d}-{case.id:06d}"
        path = rng.choices([p for p, _ in CASE_PATHS], [w for _, w in CASE_PATHS])[0]
        steps = _steps(created, now, rng)
        on_time = deadlines.local_date(steps["resolve"]) <= case.resolve_due
        originals = [m for m in made if m.created_at <= created]  # reported before this one
        if path == "duplicate" and not originals:
            path = "received"
        if path == "duplicate":
            act(case, admin, "duplicate", "与已受理事件重复", duplicate_of=rng.choice(originals))
        elif path == "escalated":
            act(case, admin, "escalate", "需要上级协调")
        elif path != "received":
            act(case, admin, "assign", assignee=users["gridworker"] if grid is first else None,
                department=None if grid is first
                else _department_for(departments, grid, number))
            if path != "assigned":
                act(case, admin, "start")
                act(case, admin, "feedback", "已到现场查看，正在处理")
            if path in ("resolved", "closed", "evaluated"):
                act(case, admin, "resolve", "已处理完毕")
            if path in ("closed", "evaluated"):
                act(case, admin, "close", "已电话告知报告人办理结果")
            if path == "evaluated":
                evaluation, satisfaction = rng.choice(EVALUATIONS[on_time])
                act(case, admin, "evaluate", evaluation, satisfaction=satisfaction)
        _date_the_story(case, steps)
        if case.state != "duplicate":
            made.append(case)
    # one case whose deadline is today, so the demo shows a yellow light on working days
    today = deadlines.today()
    yellow = report(first, category="need", title="低保申请材料待补充", description="今天需要交办",
                    source="patrol", reporter=users["gridworker"])
    yellow.created_at = min(now, datetime(today.year, today.month, today.day, 2) - timedelta(days=1))
    deadlines.set_deadlines(yellow, today - timedelta(days=1))
    _date_the_story(yellow, {"report": yellow.created_at})
    db.session.flush()
    _department_help(users)


def _date_the_story(case, steps: dict[str, datetime]) -> None:
    """Move the case's timeline and its step times to the moments of ``steps``."""
    db.session.flush()
    for event in case.events:
        event.at = steps[event.action]
    fields = {"assign": "assigned_at", "feedback": "feedback_at", "resolve": "resolved_at",
              "close": "closed_at"}
    for action, name in fields.items():
        if getattr(case, name) is not None:
            setattr(case, name, steps[action])


#: The demo town with every module switched on; the other shows a town that chose none.
MODULES_TOWN = "文星镇"


def _switch_modules_on(town: Grid, plugins) -> None:
    """Every loaded module on, once: a module switched off later by hand stays off."""
    from portal.modules.services import module_states, set_module

    chosen = module_states(town)
    for name in sorted(plugins.optional):
        if name not in chosen:
            set_module(town, name, True)
    db.session.flush()


def _link_resident_login(user: User, grid: Grid) -> None:
    """The demo resident's login is the head of the grid's first household (matched by ID
    number), so "my points" and "my cases" have someone to show; the login bears that
    resident's name (a demo loaded before it did is put right)."""
    if not user.id_number:
        household = db.session.scalar(db.select(Household).filter_by(grid_id=grid.id)
                                      .order_by(Household.id))
        head = household.head if household else None
        if head is None or not head.id_number:
            return
        user.id_number = head.id_number
    resident = db.session.scalar(db.select(Resident).filter_by(id_number=user.id_number))
    if resident is not None and user.display_name != resident.name:
        user.display_name = resident.name


def _posts_and_representatives(town: Grid, grid: Grid) -> None:
    """The demo town's further posts (五员 and 楼栋长) and a resident representative of the first
    grid looking after the first ten households (联户): made once."""
    from portal.grids import representatives, staff_posts

    if not staff_posts.town_posts(town):
        staff_posts.set_town_posts(town, ["propaganda", "mediation", "forest_guard", "civility",
                                          "building_head"], [])
    representative = next((s for s in grid.staff if s.post == "representative"), None)
    if representative is None or representatives.links_of(representative):
        return
    households = db.session.scalars(db.select(Household).filter_by(grid_id=grid.id,
                                                                   moved_out_at=None)
                                    .order_by(Household.id).limit(10)).all()
    for household in households:
        representatives.link(representative, household)


def load_module_demos(towns: list[Grid]) -> list:
    """Each module's demo records (``register_demo_data``) in the towns where it is on; the
    logins they made."""
    logins: list = []
    for town in towns:
        for made in host().hook(town, "register_demo_data")(town=town, db=db):
            logins.extend(made or ())
    return logins


def load_demo(if_empty: bool = False):
    """Create the demo (or complete a partial one). Returns the demo logins, or None when
    ``if_empty`` was asked and the database already holds grids."""
    if if_empty and db.session.scalar(db.select(Grid.id).limit(1)):
        return None
    rng = random.Random(20261124)
    county = db.session.scalar(db.select(Grid).filter_by(code=COUNTY_CODE)) \
        or grids.create_county(COUNTY_CODE, COUNTY_NAME)
    nodes = {}
    for town_name, villages in TREE.items():
        town = _child(county, TOWN, town_name, supervision_phone=SUPERVISION_PHONE)
        nodes[town_name] = town
        for village_name, grid_names in villages.items():
            village = _child(town, VILLAGE, village_name)
            nodes[village_name] = village
            for grid_name in grid_names:
                nodes[f"{village_name}/{grid_name}"] = _child(
                    village, GRID, grid_name, supervision_phone=SUPERVISION_PHONE,
                    description=f"{village_name}{grid_name}所辖住户")
    for town_name, village_name, name, kind in SPECIAL_GRIDS:
        parent = nodes[village_name or town_name]
        nodes[name] = _child(parent, SPECIAL, name, special_kind=kind,
                             supervision_phone=SUPERVISION_PHONE)
    db.session.flush()

    first_grid = nodes["城西社区/第一网格"]
    logins = [
        ("county", "county_admin", county),
        ("wenxing", "town_admin", nodes["文星镇"]),
        ("zhangshu", "town_admin", nodes["樟树镇"]),
        ("chengxi", "village_admin", nodes["城西社区"]),
        ("hetang", "village_admin", nodes["荷叶村"]),
        ("gridworker", "grid_worker", first_grid),
        ("infoofficer", "info_officer", nodes["城西社区"]),
        ("minzheng", "dept_staff", county),
        ("paichusuo", "dept_staff", nodes["文星镇"]),
        ("resident", "resident", first_grid),
    ]
    departments = _departments(county, [nodes[name] for name in TREE])
    # department staff: the county's 民政局, and 文星镇's 派出所
    staff_of = {"minzheng": departments[(county.id, "民政局")],
                "paichusuo": departments[(nodes["文星镇"].id, "派出所")]}
    # a plugin's own logins (the kiosk operator, the association officer) come with its demo data
    users = {username: demo_login(username, role, scope, rng, staff_of.get(username))
             for username, role, scope in logins}

    counter = [0]
    for grid in nodes.values():
        if grid.level in (GRID, SPECIAL):
            _staff(grid, rng, user=users["gridworker"] if grid is first_grid else None)
            if grid.level == GRID:
                _households(grid, rng, counter, users["gridworker"])
    db.session.flush()

    _cases(nodes, users, rng, departments)
    from portal.cases.kinds_demo import load_kind_cases

    load_kind_cases(nodes, users)  # coordination and approval cases
    _link_resident_login(users["resident"], first_grid)
    _posts_and_representatives(nodes[MODULES_TOWN], first_grid)
    from portal.maps.demo import load_demo_boundaries

    load_demo_boundaries(county, users["county"])

    _switch_modules_on(nodes[MODULES_TOWN], host())
    logins.extend(load_module_demos([nodes[town_name] for town_name in TREE]))
    from portal.cases.monthly import roll_months

    roll_months()  # the demo's finished months, as the worker's first night would
    db.session.commit()
    return [(u, r, f"{s.code} {s.name}") for u, r, s in logins]
