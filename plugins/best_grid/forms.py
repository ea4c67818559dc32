from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import choices, strip

KIND_LABELS = {"quarterly": _l("季度擂台赛"), "yearly": _l("年度平安网格评定")}


class ClassForm(FlaskForm):
    name = StringField(_l("类别名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写类别名称。")), Length(max=32)])


class ContestForm(FlaskForm):
    title = StringField(_l("评比名称"), filters=[strip],
                        validators=[DataRequired(_l("请填写评比名称。")), Length(max=64)])
    kind = SelectField(_l("类型"), choices=choices(KIND_LABELS.items()))
    starts_on = DateField(_l("统计开始日期"), validators=[InputRequired(_l("请填写日期。"))])
    ends_on = DateField(_l("统计结束日期"), validators=[InputRequired(_l("请填写日期。"))])
    prize1 = IntegerField(_l("第一名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])
    prize2 = IntegerField(_l("第二名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])
    prize3 = IntegerField(_l("第三名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])


class AdjustForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int)
    points = FloatField(_l("调整分"), validators=[InputRequired(_l("请填写调整分。"))])
    reason = StringField(_l("理由"), filters=[strip],
                         validators=[DataRequired(_l("调整须写明理由。")), Length(max=500)])


class AwardForm(FlaskForm):
    staff = SelectField(_l("网格员"), coerce=int)
    prize = IntegerField(_l("奖金(元)"), default=0, validators=[InputRequired(), NumberRange(0, 1000000)])
    citation = StringField(_l("事迹"), filters=[strip], validators=[Optional(), Length(max=500)])
