"""The admins' view of the outbox (/admin/notifications): what was sent, what failed and why,
a retry for what failed or was given up, and the town's digest time.

A town's admin sees their town's rows; a county's admin every town's under the county (one
town with ``?town=``) and the county-wide rows. Recipients' numbers are masked as everywhere.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.grids.models import COUNTY, TOWN, Grid
from portal.notifications import delivery, digest
from portal.notifications.channels import all_channels
from portal.notifications.events import all_events
from portal.notifications.models import STATES, Notification
from portal.pagination import paginate
from portal.people.masking import HIDDEN, mask_phone
from portal.permissions import can, requires
from portal.rendering import render
from portal.settings import set_setting
from portal.tenancy import in_subtree, load_scoped, town_of
from portal.web import REFUSED, commit, run_action

bp = Blueprint("outbox", __name__, url_prefix="/admin/notifications")

PAGE_SIZE = 30
#: what an htmx request for the digest time form gets back (its panel, with the refusal)
DIGEST_PARTIAL = "admin/_digest_time.html"

STATE_LABELS = {
    "pending": _l("待发送"), "sending": _l("发送中"), "sent": _l("已发送"),
    "failed": _l("发送失败，待重试"), "dead": _l("已放弃"),
}
#: Reasons the worker gives without a channel's word (delivery.NO_CHANNEL ...), in words.
REASONS = {delivery.NO_CHANNEL: _l("没有可用的发送通道(插件已移除或未配置)"),
           delivery.INACTIVE: _l("收件人账号已停用")}


def mask_address(address: str | None) -> str:
    """A recipient's address as admins see it: a phone 138****5678, an e-mail z***@example.cn,
    anything else (a group robot's key or webhook) only its first four characters."""
    if not address:
        return ""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}{HIDDEN}@{domain}"
    if address.replace("+", "").replace("-", "").replace(" ", "").isdigit():
        return mask_phone(address)
    return address[:4] + HIDDEN


def _towns() -> list[Grid]:
    from portal.grids.services import grids_in

    return list(db.session.scalars(grids_in(current_user.scope).where(Grid.level == TOWN)))


def _town_filter() -> tuple[Grid | None, list[Grid]]:
    """(the town the page is narrowed to, the towns a county admin may choose from)."""
    if current_user.scope.level != COUNTY:
        return town_of(current_user.scope), []
    towns = _towns()
    code = request.args.get("town") or ""
    chosen = next((t for t in towns if t.code == code), None)
    if code and chosen is None:
        abort(404)
    return chosen, towns


def _scoped(town: Grid | None):
    """The rows the current admin may see: those of the towns in their scope (of ``town``
    alone when given); a county's admin the county-wide rows (no town) too."""
    query = select(Notification).outerjoin(Grid, Grid.id == Notification.town_id)
    if town is not None:
        return query.where(Notification.town_id == town.id)
    condition = in_subtree(Grid.code, current_user.scope)
    if current_user.scope.level == COUNTY:
        condition = or_(condition, Notification.town_id.is_(None))
    return query.where(condition)


class DigestTimeForm(FlaskForm):
    time = StringField(_l("每日待办推送时间"), validators=[DataRequired(_l("请填写时间。"))])

    def validate_time(self, field):
        if digest.parse_clock(field.data) is None:
            raise ValidationError(_("请按“07:30”的格式填写24小时制时间。"))
        clock = digest.parse_clock(field.data)
        field.data = f"{clock.hour:02d}:{clock.minute:02d}"


def _digest_form(town: Grid | None, posted: bool = False) -> DigestTimeForm | None:
    """The town's digest time form; ``posted``: as submitted (a field left out is empty, not
    the time set before)."""
    if town is None or not can(current_user, "settings.manage"):
        return None
    return DigestTimeForm() if posted else DigestTimeForm(data={"time": digest.digest_time(town)})


@bp.route("/")
@requires("audit.view")
def index():
    return _page(*_town_filter())


def _page(town, towns, form: DigestTimeForm | None = None,
          partial: str = "admin/_notification_rows.html", refusal: str | None = None):
    filters = {name: request.args.get(name, "").strip() for name in ("state", "channel", "event")}
    query = _scoped(town)
    for name in ("channel", "event"):
        if filters[name]:
            query = query.where(getattr(Notification, name) == filters[name])
    counts = _counts(query)  # by state, whatever state is chosen: the tabs' numbers
    if filters["state"] in STATES:
        query = query.where(Notification.state == filters["state"])
    listing = paginate(query.order_by(Notification.id.desc()), PAGE_SIZE)
    return render("admin/notifications.html", partial, refusal=refusal, town=town, towns=towns,
                  filters=filters, counts=counts, states=STATE_LABELS, events=all_events(),
                  channels=all_channels(), reasons=REASONS, mask=mask_address,
                  may_retry=can(current_user, "settings.manage"),
                  form=form or _digest_form(town), **listing.context())


def _counts(query) -> dict[str, int]:
    rows = query.order_by(None).subquery()
    return dict(db.session.execute(
        select(rows.c.state, func.count()).group_by(rows.c.state)).all())


@bp.route("/<int:outbox_id>/retry", methods=["POST"])
@requires("settings.manage")
def retry(outbox_id):
    row = load_scoped(Notification, outbox_id)

    def work():
        before = row.state
        if not delivery.retry(row):
            raise DomainError(_("只有发送失败或已放弃的通知可以重试。"))
        audit.record("notification.retry", row, scope_code=row.town.code if row.town else None,
                     event=row.event, channel=row.channel, state=before)

    return run_action(work, done=_("已重新排队发送。"),
                      then=url_for("outbox.index", town=request.args.get("town") or None))


@bp.route("/digest-time", methods=["POST"])
@requires("settings.manage")
def digest_time():
    town, towns = _town_filter()
    if town is None:  # a county's admin who chose no town: the form is per town
        return _page(town, towns, partial=DIGEST_PARTIAL,
                     refusal=_("请先选择一个镇(街道)。")), REFUSED
    form = _digest_form(town, posted=True)
    if form is not None and form.validate_on_submit():
        set_setting(town, digest.TIME_SETTING, form.time.data)
        audit.record("settings.digest_time", town, scope_code=town.code, time=form.time.data)
        commit()
        flash(_("%(town)s的每日待办将在每天 %(time)s 推送。", town=town.name,
                time=form.time.data), "success")
        return redirect(url_for("outbox.index", town=town.code if towns else None))
    return _page(town, towns, form, partial=DIGEST_PARTIAL), REFUSED
