"""The duty pages' forms; choices that depend on the user's scope (nodes, workers) are filled by
the views per request."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (DateField, DecimalField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import IdField, choices, strip

STATUS_LABELS = {"present": _l("出席"), "absent": _l("缺席"), "excused": _l("请假")}
LEAVE_STATES = {"pending": _l("待审批"), "approved": _l("已批准"), "rejected": _l("未批准"),
                "cancelled": _l("已撤销")}


class MeetingForm(FlaskForm):
    node = SelectField(_l("召开单位"), coerce=int, choices=[],
                       validators=[InputRequired(_l("请选择召开例会的镇或村(社区)。"))])
    title = StringField(_l("例会名称"), filters=[strip],
                        validators=[DataRequired(_l("请填写例会名称。")), Length(max=100)])
    held_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写例会日期。"))])
    place = StringField(_l("地点"), filters=[strip], validators=[Length(max=100)])
    agenda = TextAreaField(_l("议程"), filters=[strip], validators=[Length(max=2000)])


class MarkForm(FlaskForm):
    status = SelectField(_l("出勤"), choices=choices([("", _l("请选择")), *STATUS_LABELS.items()]),
                         validators=[DataRequired(_l("请选择出勤情况。"))])
    note = StringField(_l("说明"), filters=[strip], validators=[Length(max=200)])


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("会议纪要"), filters=[strip],
                            validators=[DataRequired(_l("请填写会议纪要。")), Length(max=5000)])
    decisions = TextAreaField(_l("议定事项"), filters=[strip], validators=[Length(max=3000)])


class TrainingForm(FlaskForm):
    node = SelectField(_l("举办单位"), coerce=int, choices=[],
                       validators=[InputRequired(_l("请选择举办培训的镇或村(社区)。"))])
    title = StringField(_l("培训名称"), filters=[strip],
                        validators=[DataRequired(_l("请填写培训名称。")), Length(max=100)])
    held_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写培训日期。"))])
    hours = IntegerField(_l("学时(小时)"), validators=[
        Optional(), NumberRange(1, 200, _l("学时应在1到200之间。"))])
    credits = DecimalField(_l("学分"), places=1, validators=[
        InputRequired(_l("请填写学分，如 1 或 0.5。")),
        NumberRange(Decimal("0.1"), Decimal("10"), _l("学分应在0.1到10之间。"))])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Length(max=1000)])


class AttendeesForm(FlaskForm):
    attendees = SelectMultipleField(_l("完成培训的网格员"), coerce=int, choices=[],
                                    validate_choice=False)


class LeaveForm(FlaskForm):
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期。"))])
    ends_on = DateField(_l("结束日期"), validators=[InputRequired(_l("请填写结束日期。"))])
    reason = StringField(_l("事由"), filters=[strip],
                         validators=[DataRequired(_l("请填写请假事由。")), Length(max=200)])
    cover = SelectField(_l("代管网格员"), coerce=lambda v: int(v) if v else None, choices=[],
                        validate_choice=False, validators=[Optional()])


class DecisionForm(FlaskForm):
    note = StringField(_l("审批意见"), filters=[strip], validators=[Length(max=200)])


class LetterForm(FlaskForm):
    worker = IdField(_l("网格员"), validators=[InputRequired(_l("请选择网格员。"))])
    year = IntegerField(_l("年度"), validators=[
        InputRequired(_l("请填写年度。")), NumberRange(2000, 2100, _l("请填写有效的年度。"))])
    photo = FileField(_l("签字页照片"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("请上传 JPG 或 PNG 照片。"))])
