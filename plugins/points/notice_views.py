"""积分公示 pages: the public one (no login) where a village's awards on notice are listed with
names masked and anyone may object, and the staff's list of objections to decide."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.errors import DomainError
from portal.extensions import db
from portal.forms import choices, strip
from portal.grids.models import GRID, SPECIAL, VILLAGE, Grid
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import load_scoped, require_module_at
from portal.web import REFUSED, commit, refuse, submit_form

from . import public_notice
from .models import PointsEntry, PointsObjection

DECISIONS = {"uphold": _l("异议成立，撤销积分"), "dismiss": _l("异议不成立")}


class ObjectionForm(FlaskForm):
    reason = TextAreaField(
        _l("异议理由"), filters=[strip],
        validators=[DataRequired(_l("请写明异议理由。")),
                    Length(min=public_notice.REASON_MIN, max=public_notice.REASON_MAX,
                           message=_l("异议理由应为%(min)d到%(max)d个字。"))])


class DecideForm(FlaskForm):
    decision = SelectField(_l("处理结果"), choices=choices(DECISIONS.items()),
                           validators=[InputRequired(_l("请选择处理结果。"))])
    note = StringField(_l("处理意见"), filters=[strip],
                       validators=[DataRequired(_l("请填写处理意见。")),
                                   Length(max=public_notice.NOTE_MAX)])


# ---------------------------------------------------------------- the public page


def _place(code: str) -> tuple[Grid, Grid]:
    """(the grid or village the code names, the village whose awards it shows); 404 for an
    unknown or retired code. The module guard has answered 404 where points is off."""
    node = db.session.scalar(select(Grid).filter_by(code=code))
    if node is None or not node.active or node.level not in (GRID, SPECIAL, VILLAGE):
        abort(404)
    village = public_notice.notice_node(node)
    require_module_at(village.code)
    return node, village


def _public_page(node, village, form=None, form_entry=None):
    return render("points/notice/public.html", grid=node, village=village,
                  rows=public_notice.on_notice(village), form=form or ObjectionForm(),
                  form_entry=form_entry, scope=village)


def public(grid_code):
    node, village = _place(grid_code)
    return _public_page(node, village)


def public_object(grid_code, entry_id):
    """Anyone may object, throttled per address like a public report: every POST counts."""
    from portal.auth import throttle

    node, village = _place(grid_code)
    entry = db.session.get(PointsEntry, entry_id)
    if entry is None or not public_notice.is_on_notice(entry, village):
        abort(404)
    form = ObjectionForm()
    key = f"points.object:{request.remote_addr or 'unknown'}"
    if throttle.seconds_locked([key]):
        form.form_errors.append(_("提交太频繁，请稍后再试，或直接联系村委会。"))
        return _public_page(node, village, form, entry.id), 429
    throttle.record_failure([key])  # an attempt, whatever comes of it
    if form.validate():
        user = current_user if current_user.is_authenticated else None
        try:
            objection = public_notice.object_to(entry, form.reason.data, user=user)
            commit()
        except DomainError as error:
            refuse(form, error)
        else:
            current_app.logger.info("points objection %s to entry %s", objection.id, entry.id)
            flash(_("您的异议已提交，村里会核实处理。谢谢您的监督！"), "success")
            return redirect(url_for("points.public_notice", grid_code=node.code), 303)
    return _public_page(node, village, form, entry.id), REFUSED


# ---------------------------------------------------------------- staff: deciding


def _objections_page(form=None, form_objection=None):
    scope = current_user.scope
    return render("points/notice/objections.html", scope=scope,
                  items=public_notice.objections_in(scope, "open"),
                  decided=public_notice.objections_in(scope, None, limit=30),
                  form=form or DecideForm(formdata=None), form_objection=form_objection,
                  decisions=DECISIONS)


@requires("points.correct")
def objections():
    return _objections_page()


@requires("points.correct")
def objection_decide(objection_id):
    objection = load_scoped(PointsObjection, objection_id)
    form = DecideForm()
    return submit_form(
        form, lambda: public_notice.decide(objection, form.decision.data == "uphold",
                                           form.note.data, actor=current_user),
        done=lambda done: (_("异议成立，已撤销这笔积分。") if done.state == "upheld"
                           else _("已驳回异议，积分保留。")),
        then=url_for("points.objections"),
        page=lambda: _objections_page(form, objection.id))
