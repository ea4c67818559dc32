"""Operations on the grid tree. Each checks its rule, writes an audit entry and tells the plugins;
the caller commits, so a refused operation leaves nothing behind."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import func

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import (ALLOWED_CHILDREN, COUNTY, SEGMENT_WIDTH, SPECIAL,
                                 SPECIAL_SEQUENCE_START, Grid, GridStaff)
from portal.people.models import Household
from portal.plugins import host
from portal.tenancy import in_subtree
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import Select
    from werkzeug.datastructures import FileStorage

    from portal.auth.models import User


def _check_name(parent: Grid | None, name: str, exclude: Grid | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写名称。"), "name")
    if len(name) > 64:
        raise DomainError(_("名称不能超过64个字。"), "name")
    if parent is not None:
        clash = db.session.scalar(
            db.select(Grid.id).where(Grid.parent_id == parent.id, Grid.name == name,
                                     Grid.retired_at.is_(None),
                                     Grid.id != (exclude.id if exclude else -1)))
        if clash:
            raise DomainError(_("同一上级下已有名为“%(name)s”的网格。", name=name), "name")
    return name


def _next_code(parent: Grid, level: str) -> str:
    """The next free code under ``parent``: parent code + a 3-digit sequence never used before
    (retired grids keep theirs). Special grids count from 900."""
    width = len(parent.code) + SEGMENT_WIDTH
    start, stop = (SPECIAL_SEQUENCE_START, 999) if level == SPECIAL else (1, SPECIAL_SEQUENCE_START - 1)
    seqs = db.session.scalars(
        db.select(Grid.code).where(Grid.parent_id == parent.id, func.length(Grid.code) == width))
    used = [int(code[-SEGMENT_WIDTH:]) for code in seqs]
    in_range = [s for s in used if start <= s <= stop]
    seq = max(in_range) + 1 if in_range else start
    if seq > stop:
        raise DomainError(_("该上级下的编号已用完。"))
    return f"{parent.code}{seq:0{SEGMENT_WIDTH}d}"


def create_county(code: str, name: str) -> Grid:
    if not (code.isdigit() and len(code) == 6):
        raise DomainError(_("县级编码应为6位行政区划代码。"), "code")
    if db.session.scalar(db.select(Grid.id).filter_by(code=code)):
        raise DomainError(_("编码 %(code)s 已存在。", code=code), "code")
    county = Grid(level=COUNTY, code=code, name=_check_name(None, name))
    db.session.add(county)
    db.session.flush()
    audit.record("grid.create", county, scope_code=county.code, name=county.name)
    return county


def create_grid(parent: Grid, level: str, name: str, actor: User | None = None,
                **fields: Any) -> Grid:
    if not parent.active:
        raise DomainError(_("不能在已撤销的网格下新建。"))
    if level not in ALLOWED_CHILDREN[parent.level]:
        raise DomainError(_("此处不能新建这一级网格。"), "level")
    name, code = _check_name(parent, name), _next_code(parent, level)
    grid = Grid(parent_id=parent.id, level=level, name=name, code=code, **fields)
    if level == SPECIAL and not grid.special_kind:
        raise DomainError(_("请选择专属网格类型。"), "special_kind")
    db.session.add(grid)
    db.session.flush()
    audit.record("grid.create", grid, scope_code=grid.code, user=actor, name=grid.name,
                 level=level)
    host().notify(grid, "grid_created", grid=grid, actor=actor)
    return grid


def update_grid(grid: Grid, actor: User | None = None, name: str | None = None,
                **fields: Any) -> Grid:
    old = {"name": grid.name, **{k: getattr(grid, k) for k in fields}}
    if name is not None and name.strip() != grid.name:
        grid.name = _check_name(grid.parent, name, exclude=grid)
    for key, value in fields.items():
        setattr(grid, key, value or None)
    new = {"name": grid.name, **{k: getattr(grid, k) for k in fields}}
    changed = {k: [old[k], new[k]] for k in new if old[k] != new[k]}
    if changed:
        audit.record("grid.update", grid, scope_code=grid.code, user=actor, changes=changed)
        host().notify(grid, "grid_changed", grid=grid, change="update", actor=actor)
    return grid


def move_grid(grid: Grid, new_parent: Grid, actor: User | None = None) -> Grid:
    """Move a node (and everything under it) to a new parent; codes are re-issued along the new
    path, the old ones stay in the audit log."""
    if grid.level == COUNTY:
        raise DomainError(_("县级节点不能移动。"))
    if new_parent.id == grid.parent_id:
        raise DomainError(_("已经在该上级之下。"), "parent")
    if in_subtree(new_parent.code, grid):
        raise DomainError(_("不能移动到自己的下级之下。"), "parent")
    if not new_parent.active:
        raise DomainError(_("不能移动到已撤销的网格之下。"), "parent")
    if grid.level not in ALLOWED_CHILDREN[new_parent.level]:
        raise DomainError(_("这一级网格不能放在所选上级之下。"), "parent")
    _check_name(new_parent, grid.name)
    old_code = grid.code
    new_code = _next_code(new_parent, grid.level)
    subtree = db.session.scalars(db.select(Grid).where(in_subtree(Grid.code, grid))).all()
    for node in subtree:
        node.code = new_code + node.code[len(old_code):]
    grid.parent = new_parent
    db.session.flush()
    audit.record("grid.move", grid, scope_code=new_code, user=actor, old_code=old_code,
                 new_code=new_code, nodes=len(subtree))
    host().notify(grid, "grid_changed", grid=grid, change="move", actor=actor)
    return grid


def retire_grid(grid: Grid, actor: User | None = None) -> Grid:
    from portal.auth.models import User

    if grid.level == COUNTY:
        raise DomainError(_("县级节点不能撤销。"))
    if not grid.active:
        raise DomainError(_("该网格已撤销。"))
    if db.session.scalar(db.select(func.count()).where(Grid.parent_id == grid.id,
                                                       Grid.retired_at.is_(None))):
        raise DomainError(_("请先撤销或移走其下级网格。"))
    users = db.session.scalar(db.select(func.count()).select_from(User).where(
        User.scope_id == grid.id, User.is_active_flag.is_(True)))
    if users:
        raise DomainError(_("还有%(n)d个用户的管理范围在此网格，请先调整。", n=users))
    households = db.session.scalar(db.select(func.count()).select_from(Household).where(
        Household.grid_id == grid.id, Household.moved_out_at.is_(None)))
    if households:
        raise DomainError(_("网格内还有%(n)d户，请先把住户划到其他网格。", n=households))
    grid.retired_at = utcnow()
    audit.record("grid.retire", grid, scope_code=grid.code, user=actor)
    host().notify(grid, "grid_changed", grid=grid, change="retire", actor=actor)
    return grid


def restore_grid(grid: Grid, actor: User | None = None) -> Grid:
    if grid.active:
        raise DomainError(_("该网格未撤销。"))
    if grid.parent is not None and not grid.parent.active:
        raise DomainError(_("上级网格已撤销，请先恢复上级。"))
    _check_name(grid.parent, grid.name, exclude=grid)
    grid.retired_at = None
    audit.record("grid.restore", grid, scope_code=grid.code, user=actor)
    host().notify(grid, "grid_changed", grid=grid, change="restore", actor=actor)
    return grid


@dataclass
class Counts:
    households: int = 0
    residents: int = 0


def save_staff(grid: Grid, staff: GridStaff | None, *, photo_file: FileStorage | None,
               post: str, name: str, phone: str | None, duties: str | None,
               sort_order: int) -> GridStaff:
    """Add or edit a person on the grid's notice board; a new photo is checked now and written
    when the work commits."""
    from portal.uploads import UploadError, prepare_optional, store_at_commit

    try:
        photo = prepare_optional(photo_file)
    except UploadError as error:
        raise DomainError(str(error), "photo_file") from error
    from portal.grids.staff_posts import check_post, stored_label

    kept = staff.post if staff is not None else None
    post = check_post(post, grid, keep=kept)
    record = staff or GridStaff(grid_id=grid.id)
    record.photo = photo.name if photo else record.photo
    # a post the town has since removed keeps the label it was saved with
    record.post_label = stored_label(post, grid) or (record.post_label if post == kept else None)
    record.post, record.name, record.phone, record.duties = post, name, phone, duties
    record.sort_order = sort_order
    db.session.add(record)
    db.session.flush()
    audit.record("grid.staff_save", record, scope_code=grid.code, name=record.name,
                 post=record.post)
    store_at_commit(photo)
    return record


def end_staff(staff: GridStaff) -> None:
    """Take a person off the notice board (the record stays)."""
    staff.ended_at = utcnow()
    audit.record("grid.staff_end", staff, scope_code=staff.grid.code, name=staff.name,
                 post=staff.post)


def _counts_by_prefix(width: int, node: Grid) -> dict[str, tuple[int, int]]:
    """Households and residents under ``node``, per code prefix of ``width``: the grids' kept
    counts added up (portal.people.grid_counts), a few hundred rows for a county."""
    prefix = func.substr(Grid.code, 1, width)
    rows = db.session.execute(
        db.select(prefix, func.sum(Grid.households_count), func.sum(Grid.residents_count))
        .where(in_subtree(Grid.code, node), func.length(Grid.code) >= width)
        .group_by(prefix))
    return {code: (int(households or 0), int(residents or 0))
            for code, households, residents in rows}


def counts_under(node: Grid) -> Counts:
    """Households and residents in the register under ``node`` (one sum of kept counts)."""
    return Counts(*_counts_by_prefix(len(node.code), node).get(node.code, (0, 0)))


def child_counts(node: Grid) -> dict[str, Counts]:
    """Counts for every child of ``node`` at once: children share one code length, so a GROUP BY
    on the code prefix answers for all of them."""
    counted = _counts_by_prefix(len(node.code) + SEGMENT_WIDTH, node)
    return {code: Counts(households, residents)
            for code, (households, residents) in counted.items() if households or residents}


def grids_in(node: Grid, include_retired: bool = False) -> Select[tuple[Grid]]:
    query = db.select(Grid).where(in_subtree(Grid.code, node)).order_by(Grid.code)
    if not include_retired:
        query = query.where(Grid.retired_at.is_(None))
    return query
