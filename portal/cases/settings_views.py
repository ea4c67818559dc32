"""A town's case rules: the 13710 deadlines, which categories it offers, its reply templates."""
from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal import audit
from portal.cases import open311_publication as publication
from portal.cases.deadlines import DEFAULT_DEADLINES, SETTING
from portal.cases.forms import CATEGORY_LABELS
from portal.cases.models import CATEGORIES, ResponseTemplate
from portal.extensions import db
from portal.forms import choices
from portal.i18n import listing
from portal.permissions import requires
from portal.rendering import render
from portal.settings import get_setting, set_setting
from portal.web import run_action, submit_form

bp = Blueprint("case_rules", __name__, url_prefix="/cases/rules")

CATEGORY_SETTING = "cases.categories"


def town_categories(town) -> list[str]:
    """The categories a town offers, in the standard order (all of them by default)."""
    chosen = get_setting(town, CATEGORY_SETTING, list(CATEGORIES))
    return [c for c in CATEGORIES if c in chosen] or list(CATEGORIES)


def town_templates(town) -> list[ResponseTemplate]:
    if town is None:
        return []
    return list(db.session.scalars(db.select(ResponseTemplate).filter_by(town_id=town.id)
                                   .order_by(ResponseTemplate.title)))


DAYS = NumberRange(1, 60, _l("应在1到60之间。"))
HOURS = NumberRange(0, 240, _l("应在0到240之间；0 表示按工作日计算。"))


def publishable_only(form, field):
    """A category that may never be public is refused by name, whoever posted it."""
    refused = [c for c in field.data or [] if c not in publication.PUBLISHABLE]
    if refused:
        raise ValidationError(_("这些类别涉及个人，不能公开：%(c)s",
                                 c=listing(CATEGORY_LABELS.get(c, c) for c in refused)))


class RulesForm(FlaskForm):
    assign = IntegerField(_l("交办期限(工作日)"), validators=[DAYS])
    feedback = IntegerField(_l("程序性反馈期限(工作日)"), validators=[DAYS])
    resolve = IntegerField(_l("一般问题办结期限(工作日)"), validators=[DAYS])
    major_months = IntegerField(_l("重大问题办结期限(月)"),
                                validators=[NumberRange(1, 12, _l("应在1到12之间。"))])
    yellow_days = IntegerField(_l("提前几个工作日亮黄灯"),
                               validators=[NumberRange(1, 10, _l("应在1到10之间。"))])
    # hours for emergencies, counted on the clock; 0 keeps the step in working days
    emergency_assign_hours = IntegerField(_l("紧急事件交办时限(小时)"), validators=[HOURS])
    emergency_feedback_hours = IntegerField(_l("紧急事件程序性反馈时限(小时)"), validators=[HOURS])
    emergency_resolve_hours = IntegerField(_l("紧急事件办结时限(小时)"), validators=[HOURS])
    #: 回访 (portal.cases.callbacks): days after closing before an unrated case is called back
    callback_days = IntegerField(_l("结案后几天未评价转入回访"),
                                 validators=[Optional(),  # left out: kept as it is
                                             NumberRange(1, 60, _l("应在1到60之间。"))])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        hours = [getattr(self, f"emergency_{s}_hours") for s in ("assign", "feedback", "resolve")]
        set_hours = [f for f in hours if f.data]
        # a later step may not be due before an earlier one
        for earlier, later in zip(set_hours, set_hours[1:]):
            if later.data < earlier.data:
                later.errors = [_("不能早于前一环节的时限。")]
                return False
        if self.feedback.data < self.assign.data:
            self.feedback.errors = [_("不能早于交办期限。")]
            return False
        if self.resolve.data < self.feedback.data:
            self.resolve.errors = [_("不能早于程序性反馈期限。")]
            return False
        return True
    categories = SelectMultipleField(_l("本镇使用的事件类别"),
                                     choices=choices(CATEGORY_LABELS.items()),
                                     validators=[DataRequired(_l("请至少选择一个类别。"))])
    # no choice needed: a town may publish nothing; validate_choice off so that a refused
    # category gets the clear message below rather than WTForms' "not a valid choice"
    open311_public = SelectMultipleField(
        publication.FIELD_LABEL, validate_choice=False, validators=[publishable_only],
        choices=choices((c, CATEGORY_LABELS[c]) for c in publication.PUBLISHABLE))


class TemplateForm(FlaskForm):
    title = StringField(_l("名称"), validators=[DataRequired(_l("请填写名称。")), Length(max=40)])
    text = TextAreaField(_l("回复内容"), validators=[DataRequired(_l("请填写回复内容。")),
                                                   Length(max=2000)])


def _town():
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    return town, towns


def _rules_form(town, **kwargs) -> RulesForm:
    current = {**DEFAULT_DEADLINES, **get_setting(town, SETTING, DEFAULT_DEADLINES)}
    from portal.cases.callbacks import callback_days

    return RulesForm(data={**current, "categories": town_categories(town),
                           "callback_days": callback_days(town),
                           "open311_public": publication.public_categories(town)}, **kwargs)


def _page(town, towns, form: RulesForm, template_form: TemplateForm):
    return render("cases/rules.html", form=form, template_form=template_form, town=town,
                  towns=towns, templates=town_templates(town),
                  open311_hint=publication.FIELD_HINT)


def _save_rules(town, form: RulesForm) -> None:
    value = {k: getattr(form, k).data for k in DEFAULT_DEADLINES}
    set_setting(town, SETTING, value)
    set_setting(town, CATEGORY_SETTING, form.categories.data)
    public = [c for c in publication.PUBLISHABLE if c in (form.open311_public.data or [])]
    set_setting(town, publication.SETTING, public)
    from portal.cases.callbacks import SETTING as CALLBACK_SETTING, callback_days

    days = form.callback_days.data or callback_days(town)
    set_setting(town, CALLBACK_SETTING, days)
    audit.record("settings.cases", town, scope_code=town.code, user=current_user,
                 deadlines=value, categories=form.categories.data, open311_public=public,
                 callback_days=days)


@bp.route("/", methods=["GET", "POST"])
@requires("settings.manage")
def rules():
    """The page, and saving its deadlines and categories (its own form)."""
    town, towns = _town()
    form = _rules_form(town)
    return submit_form(form, lambda: _save_rules(town, form),
                       done=_("已保存%(town)s的事件规则。", town=town.name),
                       then=url_for("case_rules.rules", town=town.code),
                       page=lambda: _page(town, towns, form, TemplateForm(prefix="t",
                                                                          formdata=None)))


@bp.route("/templates", methods=["POST"])
@requires("settings.manage")
def template_add():
    town, towns = _town()
    form = TemplateForm(prefix="t")

    def save():
        db.session.add(ResponseTemplate(town_id=town.id, title=form.title.data.strip(),
                                        text=form.text.data.strip()))

    return submit_form(form, save, done=_("已添加常用回复。"),
                       then=url_for("case_rules.rules", town=town.code),
                       page=lambda: _page(town, towns, _rules_form(town, formdata=None), form))


@bp.route("/templates/<int:template_id>/delete", methods=["POST"])
@requires("settings.manage")
def template_delete(template_id):
    town, _towns = _town()
    row = db.session.get(ResponseTemplate, template_id)
    if row is None or row.town_id != town.id:
        abort(404)
    # a reply template has no history worth keeping; the list shows it gone
    return run_action(lambda: db.session.delete(row), done=None,
                      then=url_for("case_rules.rules", town=town.code))
