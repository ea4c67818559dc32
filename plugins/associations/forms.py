from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DecimalField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import IdField, choices, strip

KIND_LABELS = {"safety": _l("平安乡村协会"), "customs": _l("移风易俗协会"),
               "sanitation": _l("环境卫生协会"), "other": _l("其他协会")}
DECISION_LABELS = {"upheld": _l("申诉成立，该项作废"), "rejected": _l("维持原记录")}


class AssociationForm(FlaskForm):
    grid = SelectField(_l("所属村(社区)"), coerce=int)
    name = StringField(_l("协会名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写协会名称。")), Length(max=64)])
    kind = SelectField(_l("类型"), choices=choices(KIND_LABELS.items()))
    charter = TextAreaField(_l("章程"), validators=[Optional(), Length(max=20000)])
    base_score = IntegerField(_l("年初基础分"), default=100,
                              validators=[InputRequired(), NumberRange(0, 1000)])
    dues = DecimalField(_l("年会费(元，不收则不填)"), places=2,
                        validators=[Optional(), NumberRange(0, 10000)])


class OfficerForm(FlaskForm):
    user = SelectField(_l("负责人账号"), coerce=int)
    title = StringField(_l("职务"), filters=[strip], default="会长",
                        validators=[DataRequired(_l("请填写职务。")), Length(max=16)])


class MemberForm(FlaskForm):
    resident = IdField(_l("居民"), validators=[InputRequired(_l("请选择居民。"))])


class ItemForm(FlaskForm):
    name = StringField(_l("加减分项目"), filters=[strip],
                       validators=[DataRequired(_l("请填写项目名称。")), Length(max=100)])
    points = IntegerField(_l("分值(扣分填负数)"),
                          validators=[InputRequired(_l("请填写分值。")),
                                      NumberRange(-100, 100, message=_l("分值应在-100到100之间。"))])


class ScoreForm(FlaskForm):
    member = SelectField(_l("会员"), coerce=int, validators=[InputRequired(_l("请选择会员。"))])
    item = SelectField(_l("加减分项目"), coerce=int, validators=[InputRequired(_l("请选择项目。"))])
    reason = StringField(_l("事由"), filters=[strip],
                         validators=[DataRequired(_l("请写明加减分的事由。")), Length(max=500)])
    happened_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])


class ItemToggleForm(FlaskForm):
    """The 停用/启用 button of one item row."""
    item = IdField(_l("加减分项目"), validators=[InputRequired(_l("请选择项目。"))])


class AppealForm(FlaskForm):
    score = IdField(_l("加减分记录"), validators=[InputRequired(_l("请选择要申诉的记录。"))])
    reason = TextAreaField(_l("申诉理由"), filters=[strip],
                           validators=[DataRequired(_l("请写明申诉理由。")), Length(max=2000)])


class DecideForm(FlaskForm):
    decision = SelectField(_l("处理结果"), choices=choices(DECISION_LABELS.items()))
    note = StringField(_l("处理意见"), filters=[strip],
                       validators=[DataRequired(_l("请写明处理意见。")), Length(max=500)])


class ReportForm(FlaskForm):
    period = StringField(_l("报告期间"), filters=[strip],
                         validators=[DataRequired(_l("请填写报告期间。")), Length(max=32)])
    content = TextAreaField(_l("报告内容"), filters=[strip],
                            validators=[DataRequired(_l("请填写报告内容。")), Length(max=20000)])


class DuesForm(FlaskForm):
    member = SelectField(_l("会员"), coerce=int, validators=[InputRequired(_l("请选择会员。"))])
    paid_on = DateField(_l("缴费日期"), validators=[InputRequired(_l("请填写日期。"))])
