"""The assessment part's records in the test world (see plugins/grid_work/testing.py): town A's
scheme for the current quarter, published, with a positive entry (and its evidence photo) for
the grid worker, the worker's appeal of the patrol days (upheld before publishing), and the
five-small reward for a hazard the worker reported and the town closed."""
from datetime import timedelta

from PIL import Image

from portal.extensions import db
from portal.timeutil import local_today
from portal.uploads import photo_dir

#: Strings only town A's records of this part contain: no town-B page may show them.
MARKERS: tuple[str, ...] = ("抢修暗渠受县表彰", "巡查天数漏记申诉")
EVIDENCE = "grid-work-evidence-test.jpg"


def reported_and_closed(tree, worker, *, category="hazard", title="路灯损坏", major=False):
    """A case the worker reported, handled on the spot and closed by the town (the close pays
    the five-small reward through the case_state_changed hook)."""
    from portal.cases.services import act, report

    case = report(tree.grid_a1, category=category, title=title, description="巡查发现",
                  source="patrol", reporter=worker, major=major, handled_on_the_spot="当场处理")
    act(case, tree.users["town_admin"], "close", "已核实")
    return case


def make(world) -> None:
    """Add this part's town-A records to ``world`` (a SimpleNamespace with tree and worker)."""
    from .models import GridWorkItem, GridWorkReward
    from .services import add_entry, create_scheme, decide_appeal, lodge_appeal, publish

    tree, worker = world.tree, world.worker
    admin = tree.users["town_admin"]
    today = local_today()
    scheme = create_scheme(tree.town_a, year=today.year, quarter=(today.month - 1) // 3 + 1,
                           actor=admin)
    items = {i.measure or i.kind: i for i in scheme.items}
    since = today.replace(month=3 * scheme.quarter - 2, day=1)
    entry = add_entry(items["positive"], worker, points=3, reason=MARKERS[0],
                      happened_on=max(since, today - timedelta(days=1)), actor=admin)
    photo_dir().mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(photo_dir() / EVIDENCE, "JPEG")
    entry.evidence = EVIDENCE
    appeal = lodge_appeal(items["patrol_days"], worker, MARKERS[1])
    decide_appeal(appeal, upheld=True, corrected=18, note="已补录", actor=admin)
    case = reported_and_closed(tree, worker)
    db.session.flush()
    reward = db.session.query(GridWorkReward).filter_by(case_id=case.id).one()
    publish(scheme, actor=admin)
    db.session.flush()
    world.assessment = scheme
    world.assessment_item = db.session.get(GridWorkItem, items["patrol_days"].id)
    world.assessment_entry = entry
    world.assessment_appeal = appeal
    world.assessment_reward = reward


def url_values(world) -> dict:
    return {"scheme_id": world.assessment.id, "item_id": world.assessment_item.id,
            "entry_id": world.assessment_entry.id, "appeal_id": world.assessment_appeal.id,
            "reward_id": world.assessment_reward.id, "worker_id": world.worker.id}


def listed(world) -> list:
    return [(world.assessment, "title")]
