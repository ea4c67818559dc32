from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, MultipleFileField
from wtforms import BooleanField, FloatField, SelectField, StringField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms import Phone, choices, strip

CATEGORY_LABELS = {
    "dispute": _l("小纠纷"), "hazard": _l("小隐患"), "minor_case": _l("小案件"),
    "problem": _l("小问题"), "need": _l("小需求"), "info_collection": _l("信息采集"),
    "public_opinion": _l("社情民意"), "safety_hazard": _l("安全隐患"), "mediation": _l("矛盾调解"),
    "psychological": _l("心理服务"), "legal_publicity": _l("法治宣传"), "proxy_service": _l("代办服务"),
}
KIND_LABELS = {"general": _l("一般性"), "coordination": _l("协调性"),
               "emergency": _l("突发性"), "approval": _l("审批性")}
STATE_LABELS = {"received": _l("已受理"), "assigned": _l("已交办"), "in_progress": _l("办理中"),
                "escalated": _l("已上报"), "resolved": _l("已办结"), "closed": _l("已反馈"),
                "evaluated": _l("已评价"), "duplicate": _l("重复")}
LEVEL_LABELS = {"grid": _l("网格"), "village": _l("村(社区)"), "town": _l("镇(街道)"),
                "county": _l("县")}
LIGHT_LABELS = {"green": _l("绿灯"), "yellow": _l("黄灯"), "red": _l("红灯")}
#: The steps of 13710 with a deadline (portal.cases.deadlines.STEPS).
STEP_LABELS = {"assign": _l("交办"), "feedback": _l("程序性反馈"), "resolve": _l("办结")}
ACTION_LABELS = {"report": _l("上报"), "assign": _l("交办"), "start": _l("开始办理"),
                 "feedback": _l("过程反馈"), "escalate": _l("上报上级"), "resolve": _l("办结"),
                 "close": _l("反馈结案"), "evaluate": _l("评价"), "reopen": _l("重新办理"),
                 "duplicate": _l("标为重复"), "place": _l("放入网格")}
# a department's steps (portal.departments)
ACTION_LABELS.update({"return": _l("退回"), "assist": _l("请求协办"),
                      "assist_answer": _l("协办答复")})
# the resident's own loop (portal.cases.callbacks): the information officer's call-back
ACTION_LABELS.update({"callback": _l("回访")})
SOURCE_LABELS = {"patrol": _l("网格员巡查"), "resident": _l("群众上报"), "public": _l("扫码上报"),
                 "representative": _l("居民代表"), "video": _l("视频巡查"),
                 "department": _l("部门转办"), "open311": _l("接口")}
# coordination and approval cases (portal.cases.consultations, portal.cases.approval)
ACTION_LABELS.update({"consult_schedule": _l("安排会商"), "consult_minutes": _l("会商纪要"),
                      "lead": _l("确定包案领导"), "approval_accept": _l("审批受理"),
                      "approval_review": _l("审批审核"), "approval_approve": _l("审批批准"),
                      "approval_return": _l("审批退回")})
PHOTO_TYPES = ["jpg", "jpeg", "png", "webp"]


def photo_field(label=None):
    """A multiple photo field: the browser shrinks what is chosen (static/js/photos.js reads
    ``data-photo``), the server checks and re-encodes it (portal.uploads)."""
    return MultipleFileField(label or _l("照片"), render_kw={"accept": "image/jpeg,image/png,image/webp",
                                               "data-photo": ""}, validators=[
        FileAllowed(PHOTO_TYPES, _l("照片只能是 JPG、PNG 或 WebP 图片。"))])


def coordinate_fields(hidden=False):
    """Latitude and longitude (WGS84 degrees, as phones report them), filled by
    "使用当前位置" (static/js/geo.js) or a photo's GPS (static/js/photos.js, portal.uploads)."""
    widget = {"widget": HiddenInput()} if hidden else {}
    return (FloatField(_l("纬度"), render_kw={"data-geo": "latitude", "inputmode": "decimal"},
                       validators=[Optional(), NumberRange(-90, 90, _l("坐标超出范围。"))],
                       **widget),
            FloatField(_l("经度"), render_kw={"data-geo": "longitude", "inputmode": "decimal"},
                       validators=[Optional(), NumberRange(-180, 180, _l("坐标超出范围。"))],
                       **widget))


class CaseForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int, validators=[DataRequired(_l("请选择事件发生的网格。"))])
    category = SelectField(_l("类别"), choices=choices(CATEGORY_LABELS.items()))
    kind = SelectField(_l("性质"), choices=choices(KIND_LABELS.items()))
    major = BooleanField(_l("重大问题(办理时限一个月)"))
    title = StringField(_l("标题"), filters=[strip],
                        validators=[DataRequired(_l("请填写标题。")), Length(max=100)])
    description = TextAreaField(_l("事件经过"), filters=[strip],
                                validators=[DataRequired(_l("请描述事件经过。")), Length(max=4000)])
    household = StringField(_l("涉及住户(户编号，可选)"), filters=[strip],
                            validators=[Optional(), Length(max=32)])
    address = StringField(_l("地点"), filters=[strip], validators=[Optional(), Length(max=200)])
    latitude, longitude = coordinate_fields()
    photos = photo_field()
    on_the_spot = TextAreaField(_l("已当场处置(一般性事件可直接办结，写明处理情况)"), filters=[strip],
                                validators=[Optional(), Length(max=2000)])


class CaseActionForm(FlaskForm):
    """One next step of a case (assign, resolve, evaluate …). Which fields a step needs is the
    service's rule (portal.cases.services.act), which names the field it refuses; the step's
    template shows only its own fields."""
    #: The id of one of the people offered (_assignees); matched there, not trusted.
    assignee = StringField()
    department = StringField(filters=[strip])
    duplicate_of = StringField(filters=[strip])
    #: 1 to 5 stars; anything else is the service's "请选择1到5分的满意度".
    satisfaction = StringField()
    note = TextAreaField()
    #: 答复群众: the reporter reads this (and only this) of the step; see portal.cases.public_view.
    public_reply = TextAreaField(filters=[strip])


class PublicReportForm(FlaskForm):
    category = SelectField(_l("类别"), choices=choices(CATEGORY_LABELS.items()))
    title = StringField(_l("什么事"), filters=[strip],
                        validators=[DataRequired(_l("请填写标题。")), Length(max=100)])
    description = TextAreaField(_l("详细情况"), filters=[strip],
                                validators=[DataRequired(_l("请描述事件经过。")), Length(max=4000)])
    address = StringField(_l("地点"), filters=[strip], validators=[Optional(), Length(max=200)])
    #: Hidden: filled from the photo's GPS or "使用当前位置" in the browser.
    latitude, longitude = coordinate_fields(hidden=True)
    reporter_name = StringField(_l("您的称呼"), filters=[strip], validators=[Optional(), Length(max=32)])
    reporter_phone = StringField(_l("联系电话"), filters=[strip],
                                 validators=[DataRequired(_l("请留下联系电话，以便把办理结果告诉您。")),
                                             Phone()])
    photos = photo_field()


class RatingForm(FlaskForm):
    """A reporter's rating (满意度) of their case, at /my/cases and /track; the rule is
    portal.cases.public_view.rate, which names the field it refuses."""
    #: 1 to 5 stars; anything else is the service's "请选择1到5分的满意度".
    satisfaction = StringField()
    comment = TextAreaField(_l("您的意见(可选)"), filters=[strip],
                            validators=[Optional(), Length(max=2000)])

    def satisfaction_value(self) -> int | None:
        value = (self.satisfaction.data or "").strip()
        return int(value) if value.isdigit() else None
