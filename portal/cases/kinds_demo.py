"""The demo's coordination and approval cases (called by portal.demo.load_demo): a hard dispute
consulted on, with its minutes and a lead, and an approval case at each stage (waiting, accepted,
reviewed, approved with its decision, returned). Each step is taken through the services and then
dated back to when the story says it happened, none later than now."""
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from portal.extensions import db
from portal.timeutil import utcnow

#: (title, applicant, phone, description, stage) of the approval cases, one per stage.
APPROVALS = [
    ("申请临时救助", "赵建国", "13907301234", "家中突发火灾，衣物被褥烧毁，申请临时救助", None),
    ("申请残疾人两项补贴", "王德明", "13907302345", "儿子二级肢体残疾，申请困难残疾人生活补贴",
     "accepted"),
    ("申请宅基地建房", "刘春华", "13907303456", "一户一宅，旧房拆除后原址翻建，申请建房审批",
     "reviewed"),
    ("申请危房改造补助", "李桂英", "13907305678", "房屋墙体开裂、屋顶漏雨，经鉴定为C级危房，申请改造补助",
     "approved"),
    ("申请低保", "陈玉兰", "13907306789", "丈夫长期患病，家庭收入低，申请最低生活保障", "returned"),
]


def _departments_named(case, *names: str) -> list:
    """The town's departments (portal.departments, made by the demo before the cases) by name."""
    from portal.departments.services import offered_for_case

    return [d for d in offered_for_case(case) if d.name in names]


def _dated(case, moment: datetime, work: Callable[[], Any]) -> Any:
    """Do ``work`` (one step of ``case``), then date what it wrote at ``moment``: the timeline's
    new events, approval steps, and the case's step times it set."""
    from portal.cases.kind_models import ApprovalStep
    from portal.cases.models import CaseEvent

    db.session.flush()
    events = set(db.session.scalars(db.select(CaseEvent.id).filter_by(case_id=case.id)))
    steps = set(db.session.scalars(db.select(ApprovalStep.id).filter_by(case_id=case.id)))
    fields = ("assigned_at", "feedback_at", "resolved_at", "closed_at")
    before = {name: getattr(case, name) for name in fields}
    result = work()
    db.session.flush()
    for event in db.session.scalars(db.select(CaseEvent).filter_by(case_id=case.id)):
        if event.id not in events:
            event.at = moment
    for step in db.session.scalars(db.select(ApprovalStep).filter_by(case_id=case.id)):
        if step.id not in steps:
            step.at = moment
    for name in fields:
        if getattr(case, name) is not None and getattr(case, name) != before[name]:
            setattr(case, name, moment)
    return result


def _report(grid, reporter, created: datetime, **fields):
    from portal.cases import deadlines
    from portal.cases.services import report

    case = report(grid, source="patrol", reporter=reporter, **fields)
    case.created_at = created
    deadlines.set_deadlines(case, deadlines.local_date(created))
    case.number = f"{deadlines.local_date(created):%Y%m%d}-{case.id:06d}"
    db.session.flush()
    for event in case.events:
        event.at = created
    return case


def load_kind_cases(nodes: dict, users: dict) -> None:
    """Once: a database that already holds a consultation keeps its own."""
    from portal.cases import consultations
    from portal.cases.kind_models import Consultation
    from portal.cases.services import act

    if db.session.scalar(db.select(Consultation.id).limit(1)):
        return
    grid = nodes["城西社区/第一网格"]
    worker, village, town = users["gridworker"], users["chengxi"], users["wenxing"]
    reviewer = users["minzheng"]
    now = utcnow().replace(second=0, microsecond=0)
    hour, day = timedelta(hours=1), timedelta(days=1)

    # a hard dispute: taken back by the grid worker, consulted on by the village, a town lead
    created = now - 12 * day - 3 * hour
    case = _report(grid, worker, created, category="dispute", kind="coordination", major=True,
                   title="排水沟改道引发两户纠纷",
                   description="张家翻修房屋时改了排水沟走向，雨水流进李家院子，两户多次争吵，"
                               "需要村里和相关部门一起协调")
    _dated(case, created + 2 * hour, lambda: act(case, village, "assign", assignee=worker))
    _dated(case, created + 3 * hour, lambda: act(case, worker, "start"))
    _dated(case, created + 5 * hour, lambda: act(
        case, worker, "feedback", "已到现场查看，两户各执一词，带回村里研究"))
    held_at = created + 3 * day + 2 * hour
    consultation = _dated(case, created + day, lambda: consultations.schedule(
        case, village, scheduled_at=held_at, place="城西社区党群服务中心会议室",
        departments="镇水利站", invited=_departments_named(case, "司法所", "派出所"),
        participants="张、李两户当事人，社区书记，网格员，驻村民警",
        plan="现场查看排水沟原走向，听取两户意见，由司法所主持调解，商定疏通和改道方案及完成时间"))
    consultation.created_at = created + day
    _dated(case, created + day + hour, lambda: consultations.name_lead(case, village, town))
    _dated(case, held_at + 3 * hour, lambda: consultations.record_minutes(
        consultation, village, minutes="双方同意恢复排水沟原走向，张家承担改道费用，李家配合施工",
        decisions="镇水利站两周内出具改道方案；张家在方案出具后十日内完工；司法所出具调解协议书；"
                  "网格员跟踪施工并反馈"))
    consultation.recorded_at = held_at + 3 * hour

    # approval cases: the village accepts, the county's department reviews, the town approves
    for number, (title, applicant, phone, text, stage) in enumerate(APPROVALS):
        created = now - timedelta(days=(0, 2, 5, 15, 8)[number], hours=3)
        case = _report(grid, worker, created, category="need", kind="approval", title=title,
                       description=text, reporter_name=applicant, reporter_phone=phone)
        if stage is not None:
            _approval_story(case, created, stage, worker=worker, village=village, town=town,
                            reviewer=reviewer)
    db.session.flush()


def _approval_story(case, created: datetime, stage: str, *, worker, village, town,
                    reviewer) -> None:
    """Assigned to the grid worker and accepted by the village; reviewed by the department
    unless only accepted; then approved (and closed with feedback) or returned."""
    from portal.cases import approval
    from portal.cases.services import act

    hour, day = timedelta(hours=1), timedelta(days=1)
    _dated(case, created + hour, lambda: act(case, village, "assign", assignee=worker))
    _dated(case, created + 2 * hour, lambda: act(case, worker, "start"))
    _dated(case, created + 3 * hour, lambda: approval.take(case, village, "accept",
                                                             "申请材料齐全，予以受理"))
    if stage == "accepted":
        return
    _dated(case, created + day + 2 * hour, lambda: approval.take(
        case, reviewer, "review", "经入户核查，情况属实，符合申请条件"))
    if stage == "approved":
        _dated(case, created + 4 * day, lambda: approval.take(
            case, town, "approve", "同意补助，按C级危房改造标准拨付1.5万元"))
        _dated(case, created + 4 * day + 3 * hour, lambda: act(
            case, village, "close", "已上门通知申请人，补助款10个工作日内拨付到户"))
    elif stage == "returned":
        _dated(case, created + 2 * day, lambda: approval.take(
            case, town, "return", "家庭人均收入高于本地低保标准，暂不符合条件；"
                                  "如家庭情况变化，可补充收入证明后重新申请"))
