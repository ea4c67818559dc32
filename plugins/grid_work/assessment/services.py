"""What the assessment pages do: a scheme with its default items and bands, its items and bands
changed while it is a draft, recorded entries written and withdrawn, appeals lodged and decided,
and publishing (every worker's score frozen, the subsidy from the bands). Each writes its audit
entry; a refusal is a DomainError naming the field, raised before anything is written. Nothing of
a published scheme changes."""
from __future__ import annotations

import json
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import Grid
from portal.tenancy import in_subtree
from portal.timeutil import local_today, utcnow
from portal.uploads import UploadError, prepare_optional, store_at_commit

from . import notices, scoring
from .labels import DEFAULT_BANDS, DEFAULT_ITEMS, MEASURES, RECORDED
from .models import GridWorkAppeal, GridWorkEntry, GridWorkItem, GridWorkScheme, GridWorkScore

MAX_BANDS = 6


def refuse_published(scheme: GridWorkScheme, field: str | None = None) -> None:
    if scheme.state == "published":
        raise DomainError(_("考核结果已发布，不能再更改。"), field)


def default_title(town: Grid, year: int, quarter: int | None) -> str:
    if quarter:
        return _("%(town)s%(year)d年第%(q)d季度网格员考核", town=town.name, year=year, q=quarter)
    return _("%(town)s%(year)d年度网格员考核", town=town.name, year=year)


def create_scheme(town: Grid, *, year: int, quarter: int | None, title: str | None = None,
                  actor=None) -> GridWorkScheme:
    """A scheme for the town's quarter (1–4) or year (None), starting from the default items
    (adding to 100) and bands."""
    if quarter not in (None, 1, 2, 3, 4):
        raise DomainError(_("请选择季度。"), "quarter")
    if not 2000 <= year <= 2100:
        raise DomainError(_("请填写年度。"), "year")
    taken = db.session.scalar(select(GridWorkScheme.id).filter_by(
        town_id=town.id, year=year, quarter=quarter))
    if taken is not None:
        raise DomainError(_("本镇这一期已有考核方案。"), "quarter")
    scheme = GridWorkScheme(town_id=town.id, town=town, year=year, quarter=quarter,
                            title=(title or "").strip() or default_title(town, year, quarter),
                            bands=json.dumps(list(DEFAULT_BANDS)), state="draft",
                            created_by_id=getattr(actor, "id", None))
    db.session.add(scheme)
    db.session.flush()
    for position, spec in enumerate(DEFAULT_ITEMS):
        target = spec.get("target")
        db.session.add(GridWorkItem(
            scheme_id=scheme.id, position=position, kind=spec["kind"],
            measure=spec.get("measure"),
            label=str(spec.get("label") or MEASURES[spec["measure"]]),
            weight=spec.get("weight", 0), cap=spec.get("cap"),
            target=target * (1 if quarter else 4) if target else None))
    db.session.flush()
    db.session.refresh(scheme)
    audit.record("grid_work.scheme_create", scheme, scope_code=town.code, user=actor,
                 year=year, quarter=quarter, title=scheme.title)
    return scheme


def check_weights(values: dict[int, dict], items: list[GridWorkItem]) -> None:
    """Measured weights and positive caps must add to 100 (the negative list is outside)."""
    total = 0
    for item in items:
        value = values.get(item.id, {})
        if item.kind == "measured":
            total += value.get("weight", item.weight) or 0
        elif item.kind == "positive":
            total += value.get("cap", item.cap) or 0
    if total != 100:
        raise DomainError(_("计量项目的分值与正面清单上限合计应为100分，现为%(n)d分。", n=total),
                          "weights")


def save_items(scheme: GridWorkScheme, values: dict[int, dict], actor=None) -> GridWorkScheme:
    """``values``: {item id: {"label", "weight" (measured) | "cap" (recorded), "target"}}."""
    refuse_published(scheme, "weights")
    items = list(scheme.items)
    for item in items:
        value = values.get(item.id, {})
        label = (value.get("label") or "").strip()
        if not label:
            raise DomainError(_("请填写项目名称。"), f"label-{item.id}")
        if item.kind == "measured" and value.get("weight") is None:
            raise DomainError(_("请填写分值。"), f"weight-{item.id}")
        if item.kind in RECORDED and not value.get("cap"):
            raise DomainError(_("请填写上限。"), f"cap-{item.id}")
        if item.measure in ("cases_reported", "five_small") and not value.get("target"):
            raise DomainError(_("请填写目标数。"), f"target-{item.id}")
    check_weights(values, items)
    before = {item.id: (item.label, item.weight, item.cap, item.target) for item in items}
    for item in items:
        value = values[item.id]
        item.label = value["label"].strip()
        if item.kind == "measured":
            item.weight = value["weight"]
            if item.measure in ("cases_reported", "five_small"):
                item.target = value["target"]
        else:
            item.cap = value["cap"]
    audit.record("grid_work.items", scheme, scope_code=scheme.town.code, user=actor,
                 before=before, items={item.id: (item.label, item.weight, item.cap, item.target)
                                       for item in items})
    return scheme


def save_bands(scheme: GridWorkScheme, bands: list[tuple[int, int]], actor=None) -> None:
    """(minimum score, yuan) rows; highest first once saved."""
    refuse_published(scheme, "bands")
    if not bands:
        raise DomainError(_("请至少填写一个档次。"), "bands")
    if len({low for low, _amount in bands}) != len(bands):
        raise DomainError(_("各档的最低分不能相同。"), "bands")
    if any(not 0 <= low <= 100 or not 0 <= amount <= 100000 for low, amount in bands):
        raise DomainError(_("最低分应在0到100之间，金额在0到100000元之间。"), "bands")
    before = scheme.bands
    scheme.bands = json.dumps([{"min": low, "amount": amount}
                               for low, amount in sorted(bands, key=lambda b: -b[0])])
    audit.record("grid_work.bands", scheme, scope_code=scheme.town.code, user=actor,
                 before=before, bands=scheme.bands)


def is_worker_of(worker, scheme: GridWorkScheme) -> bool:
    return (worker is not None and worker.role == "grid_worker" and worker.scope is not None
            and in_subtree(worker.scope.code, scheme.town))


def add_entry(item: GridWorkItem, worker, *, points: int, reason: str, happened_on: date,
              evidence=None, actor=None) -> GridWorkEntry:
    """A positive or negative entry (``points`` given as a size; the item's kind signs it)."""
    scheme = item.scheme
    refuse_published(scheme, "item")
    if item.kind not in RECORDED:
        raise DomainError(_("请选择正面清单或负面清单的项目。"), "item")
    if not is_worker_of(worker, scheme):
        raise DomainError(_("请选择本镇的网格员。"), "item")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写事由。"), "reason")
    if not points or points < 1 or points > (item.cap or 0):
        raise DomainError(_("分值应在1到%(cap)d分之间(本项上限)。", cap=item.cap or 0), "points")
    since, until = scoring.period(scheme)
    if not since <= happened_on <= until:
        raise DomainError(_("日期应在考核期内(%(since)s至%(until)s)。", since=since.isoformat(),
                            until=until.isoformat()), "happened_on")
    if happened_on > local_today():
        raise DomainError(_("日期不能晚于今天。"), "happened_on")
    try:
        photo = prepare_optional(evidence)
    except UploadError as error:
        raise DomainError(str(error), "evidence") from error
    entry = GridWorkEntry(item_id=item.id, worker_id=worker.id, grid_id=worker.scope_id,
                          points=points if item.kind == "positive" else -points,
                          reason=reason, happened_on=happened_on,
                          evidence=photo.name if photo else None,
                          entered_by_id=getattr(actor, "id", None))
    db.session.add(entry)
    db.session.flush()
    store_at_commit(photo)
    audit.record("grid_work.entry_add", entry, scope_code=worker.scope.code, user=actor,
                 worker=worker.display_name, item=item.label, points=entry.points,
                 reason=reason, happened_on=happened_on)
    return entry


def withdraw_entry(entry: GridWorkEntry, actor=None) -> GridWorkEntry:
    """Withdrawn, never deleted: the page shows it struck through."""
    refuse_published(entry.item.scheme)
    if entry.withdrawn_at is not None:
        raise DomainError(_("这条记录已撤销。"))
    entry.withdrawn_at = utcnow()
    audit.record("grid_work.entry_withdraw", entry, scope_code=entry.grid.code, user=actor,
                 worker=entry.worker.display_name, points=entry.points, reason=entry.reason)
    return entry


def lodge_appeal(item: GridWorkItem, worker, reason: str) -> GridWorkAppeal:
    """A worker's appeal of one item, once per item, while the scheme is not published."""
    refuse_published(item.scheme, "reason")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明申诉理由。"), "reason")
    if not is_worker_of(worker, item.scheme):
        raise DomainError(_("只有本镇的网格员可以申诉。"), "reason")
    try:
        # the INSERT first in its savepoint: two taps at once make one appeal (unique item,
        # worker), and SQLite takes the write lock at once
        with db.session.begin_nested():
            appeal_id = db.session.execute(insert(GridWorkAppeal).values(
                item_id=item.id, worker_id=worker.id, grid_id=worker.scope_id, reason=reason,
                state="open", created_at=utcnow()).returning(GridWorkAppeal.id)).scalar_one()
    except IntegrityError:
        raise DomainError(_("这一项已经申诉过，每项只能申诉一次。"), "reason") from None
    appeal = db.session.get(GridWorkAppeal, appeal_id)
    audit.record("grid_work.appeal", appeal, scope_code=worker.scope.code, user=worker,
                 item=item.label, reason=reason)
    return appeal


def decide_appeal(appeal: GridWorkAppeal, *, upheld: bool, note: str | None = None,
                  corrected: int | None = None, entry: GridWorkEntry | None = None,
                  actor=None) -> GridWorkAppeal:
    """Uphold (a measured item: the corrected points, 0..weight; a recorded item: the entry
    withdrawn) or reject (with a note). The worker is told."""
    item = appeal.item
    refuse_published(item.scheme, "note")
    if appeal.state != "open":
        raise DomainError(_("这条申诉已经处理过了。"), "note")
    note = (note or "").strip()
    if upheld and item.kind == "measured":
        if corrected is None or not 0 <= corrected <= item.weight:
            raise DomainError(_("更正后的分值应在0到%(w)d分之间。", w=item.weight), "corrected")
        appeal.corrected_points = corrected
    elif upheld:
        if entry is None or entry.item_id != item.id or entry.worker_id != appeal.worker_id \
                or entry.withdrawn_at is not None:
            raise DomainError(_("请选择要撤销的那条记录。"), "entry")
        withdraw_entry(entry, actor)
    elif not note:
        raise DomainError(_("驳回时请写明理由。"), "note")
    appeal.state = "upheld" if upheld else "rejected"
    appeal.decision_note = note or None
    appeal.decided_by_id = getattr(actor, "id", None)
    appeal.decided_at = utcnow()
    audit.record("grid_work.appeal_decide", appeal, scope_code=appeal.grid.code, user=actor,
                 item=item.label, worker=appeal.worker.display_name, upheld=upheld,
                 corrected=appeal.corrected_points, note=note or None)
    notices.appeal_decided(appeal)
    return appeal


def open_appeals(scheme: GridWorkScheme) -> int:
    return db.session.scalar(
        select(func.count(GridWorkAppeal.id)).join(GridWorkItem)
        .where(GridWorkItem.scheme_id == scheme.id, GridWorkAppeal.state == "open")) or 0


def publish(scheme: GridWorkScheme, actor=None) -> GridWorkScheme:
    """Freeze every worker's score (total, breakdown, subsidy); the workers are told."""
    refuse_published(scheme)
    waiting = open_appeals(scheme)
    if waiting:
        raise DomainError(_("还有%(n)d条申诉未处理，处理完才能发布。", n=waiting))
    rows = scoring.live_rows(scheme)
    for row in rows:
        db.session.add(GridWorkScore(scheme_id=scheme.id, worker_id=row.worker_id,
                                     grid_id=row.grid_id, total_tenths=row.total,
                                     breakdown=scoring.breakdown_json(row),
                                     subsidy=row.subsidy))
    scheme.state = "published"
    scheme.published_at = utcnow()
    scheme.published_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("grid_work.publish", scheme, scope_code=scheme.town.code, user=actor,
                 workers=len(rows), subsidy=sum(r.subsidy for r in rows))
    notices.published(scheme, [row.worker_id for row in rows])
    return scheme
