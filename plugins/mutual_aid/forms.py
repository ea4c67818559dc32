from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import IdField, choices, strip

KIND_LABELS = {"production": _l("生产互助"), "daily": _l("生活互助"), "mediation": _l("纠纷联调"),
               "security": _l("治安联防")}


class GroupForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int)
    name = StringField(_l("互助组名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写互助组名称。")), Length(max=64)])


class HouseholdForm(FlaskForm):
    household = IdField(_l("住户"), validators=[InputRequired(_l("请选择住户。"))])


class LeaderForm(FlaskForm):
    leader = SelectField(_l("组长"), coerce=int, validators=[InputRequired(_l("请选择组长。"))])
    elected_on = DateField(_l("推选日期"), validators=[Optional()])


class HelpForm(FlaskForm):
    kind = SelectField(_l("互助类型"), choices=choices(KIND_LABELS.items()))
    happened_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    asked_by = SelectField(_l("求助人"), coerce=int, validators=[Optional()])
    description = TextAreaField(_l("什么事"), filters=[strip],
                                validators=[DataRequired(_l("请填写什么事。")), Length(max=2000)])
    #: the group's members who helped: checked in the page's list, checked against the group in
    #: the view (the members are known only there)
    helpers = SelectMultipleField(_l("帮助人"), coerce=int, validate_choice=False)
    outcome = TextAreaField(_l("结果"), filters=[strip], validators=[Optional(), Length(max=2000)])
    solved = BooleanField(_l("已解决"))


class RulesForm(FlaskForm):
    min_households = IntegerField(_l("每组最少户数"), validators=[InputRequired(), NumberRange(1, 100)])
    max_households = IntegerField(_l("每组最多户数"), validators=[InputRequired(), NumberRange(1, 100)])
    points_per_help = IntegerField(_l("每次帮助他人获得积分"),
                                   validators=[InputRequired(), NumberRange(0, 100)])
