from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, HiddenField,
                     IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import choices, strip

from .labels import KIND_LABELS, RISK_LABELS
from .ladder import OPEN_STATES

#: Rows of parties the register form offers (the rest can be added to the record later).
PARTY_ROWS = 4


SIDES = (("a", _l("申请方")), ("b", _l("被申请方")))


class PartyRowForm(Form):
    """A party from outside the register, typed on the form (one row of several)."""

    name = StringField(_l("姓名"), filters=[strip], validators=[Length(max=64)])
    # an empty row posts no side: checked in services for the rows that name someone
    side = SelectField(_l("一方"), choices=choices(SIDES), validate_choice=False)
    phone = StringField(_l("电话"), filters=[strip], validators=[Length(max=20)])
    address = StringField(_l("住址"), filters=[strip], validators=[Length(max=200)])


class DisputeForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int)
    kind = SelectField(_l("纠纷类型"), choices=choices(KIND_LABELS.items()))
    title = StringField(_l("纠纷简称"), filters=[strip],
                        validators=[DataRequired(_l("请填写纠纷简称。")), Length(max=100)])
    description = TextAreaField(_l("简要情况"), filters=[strip],
                                validators=[DataRequired(_l("请写明纠纷的简要情况。")),
                                            Length(max=4000)])
    found_on = DateField(_l("发现日期"), validators=[InputRequired(_l("请填写发现日期。"))])
    amount = IntegerField(_l("涉及金额(元)"), validators=[Optional(),
                                                      NumberRange(0, 10**9, _l("金额不对。"))])
    risk = SelectField(_l("风险等级"), choices=choices([("", _l("按规则评定")),
                                                         *RISK_LABELS.items()]), validators=[Optional()])
    criminal_risk = BooleanField(_l("有民转刑风险"))
    group_risk = BooleanField(_l("可能引发群体性事件"))
    responsible_unit = StringField(_l("责任单位"), filters=[strip], validators=[Length(max=100)])
    leading_cadre = StringField(_l("包案领导"), filters=[strip], validators=[Length(max=64)])
    helpers = StringField(_l("协办单位"), filters=[strip], validators=[Length(max=200)])
    #: parties from outside the register, typed in rows
    party_rows = FieldList(FormField(PartyRowForm), min_entries=PARTY_ROWS,
                           max_entries=PARTY_ROWS)
    #: residents found in the register and ticked for either side (checked in services)
    resident_a = SelectMultipleField(_l("申请方"), coerce=int, validate_choice=False)
    resident_b = SelectMultipleField(_l("被申请方"), coerce=int, validate_choice=False)
    #: carries the refusal that concerns the parties, shown beside their rows
    parties = HiddenField()


class StepForm(FlaskForm):
    note = TextAreaField(_l("情况说明"), filters=[strip], validators=[Length(max=4000)])
    responsible_unit = StringField(_l("责任单位"), filters=[strip], validators=[Length(max=100)])
    leading_cadre = StringField(_l("包案领导"), filters=[strip], validators=[Length(max=64)])
    helpers = StringField(_l("协办单位"), filters=[strip], validators=[Length(max=200)])


class AgreementForm(FlaskForm):
    terms = TextAreaField(_l("协议内容"), filters=[strip],
                          validators=[DataRequired(_l("请写明协议内容。")), Length(max=8000)])
    mediator = StringField(_l("调解人"), filters=[strip],
                           validators=[DataRequired(_l("请填写调解人。")), Length(max=64)])
    signed_on = DateField(_l("签订日期"), validators=[InputRequired(_l("请填写签订日期。"))])
    #: the parties who signed: checked in the page's list, checked against the dispute in services
    signed = SelectMultipleField(_l("已签字的当事人"), coerce=int, validate_choice=False)


class FollowupForm(FlaskForm):
    kept = SelectField(_l("协议履行情况"), choices=choices([("1", _l("已履行")),
                                                                      ("0", _l("未履行"))]))
    note = TextAreaField(_l("回访情况"), filters=[strip], validators=[Length(max=2000)])


class ScreeningForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int)
    month = StringField(_l("月份"), validators=[DataRequired(_l("请选择月份。"))])
    zero = BooleanField(_l("本月无矛盾纠纷(零报告)"))
    note = TextAreaField(_l("排查情况"), filters=[strip], validators=[Length(max=500)])


def _days(label):
    return IntegerField(label, validators=[InputRequired(_l("请填写期限。")),
                                           NumberRange(1, 60, _l("期限应在1到60个工作日之间。"))])


class RulesForm(FlaskForm):
    days_grid = _days(_l("驻片调处期限(工作日)"))
    days_village = _days(_l("两委会商期限(工作日)"))
    days_reported = _days(_l("书面上报后交办期限(工作日)"))
    days_town = _days(_l("归口办理期限(工作日)"))
    days_joint = _days(_l("联合调处期限(工作日)"))
    screening_day = IntegerField(_l("每月排查报告截止日"), validators=[
        InputRequired(), NumberRange(1, 28, _l("应在1到28之间。"))])
    yellow_amount = IntegerField(_l("黄色风险金额(元)"), validators=[InputRequired(),
                                                                NumberRange(1, 10**9)])
    red_amount = IntegerField(_l("红色风险金额(元)"), validators=[InputRequired(),
                                                             NumberRange(1, 10**9)])
    group_size = IntegerField(_l("群体性纠纷人数"), validators=[InputRequired(), NumberRange(2, 1000)])
    followup_every = IntegerField(_l("回访间隔(天)"), validators=[InputRequired(),
                                                            NumberRange(1, 365)])
    followup_days = IntegerField(_l("回访期限(天)"), validators=[InputRequired(),
                                                           NumberRange(1, 365)])

    def value(self) -> dict:
        return {"days": {s: getattr(self, f"days_{s}").data for s in OPEN_STATES},
                "screening_day": self.screening_day.data,
                "yellow_amount": self.yellow_amount.data, "red_amount": self.red_amount.data,
                "group_size": self.group_size.data, "followup_every": self.followup_every.data,
                "followup_days": self.followup_days.data}

    @classmethod
    def of(cls, rules: dict) -> "RulesForm":
        return cls(data={**{f"days_{s}": rules["days"][s] for s in OPEN_STATES},
                         **{k: v for k, v in rules.items() if k != "days"}})
