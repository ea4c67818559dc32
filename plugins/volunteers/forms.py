from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, PasswordField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.admin.forms import password_rules
from portal.forms import IdField, Phone, choices, strip

TEAM_KIND_LABELS = {"party": _l("党员志愿服务队"), "women": _l("巾帼志愿服务队"),
                    "patrol": _l("治安巡逻队"), "greening": _l("绿化保洁队"),
                    "proxy": _l("代办服务队"), "other": _l("其他")}
NEED_LABELS = {"poor": _l("困难家庭"), "left_behind_child": _l("留守儿童"),
               "left_behind_elder": _l("留守老人"), "mental_illness": _l("精神障碍患者"),
               "other": _l("其他")}
ERRAND_LABELS = {"certificate": _l("证明办理"), "insurance": _l("医保社保缴费"),
                 "pension": _l("养老金认证"), "medical": _l("代购药品、预约就医"),
                 "other": _l("其他")}
PROXY_STATE_LABELS = {"requested": _l("待受理"), "accepted": _l("办理中"), "done": _l("已办结"),
                      "cancelled": _l("已取消")}
CLAIM_STATE_LABELS = {"pending": _l("待审核"), "approved": _l("已通过"), "rejected": _l("未通过")}
SATISFACTION = [("", _l("未评价")), ("5", _l("非常满意")), ("4", _l("满意")), ("3", _l("基本满意")),
                ("2", _l("不满意")), ("1", _l("非常不满意"))]


class RegisterForm(FlaskForm):
    resident = IdField(_l("居民"), validators=[Optional()])
    grid = SelectField(_l("所属网格"), coerce=int, validators=[Optional()])
    name = StringField(_l("姓名"), filters=[strip], validators=[Optional(), Length(max=32)])
    phone = StringField(_l("手机号"), filters=[strip], validators=[Optional(), Phone()])
    email = StringField(_l("电子邮箱"), filters=[strip],
                        validators=[Optional(), Length(max=120),
                                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                           message=_l("请输入有效的电子邮箱。"))])
    password = PasswordField(_l("登录密码"), validators=[Optional(), password_rules])


class TeamForm(FlaskForm):
    grid = SelectField(_l("所属村(社区)或镇"), coerce=int)
    name = StringField(_l("队伍名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写队伍名称。")), Length(max=64)])
    kind = SelectField(_l("类型"), choices=choices(TEAM_KIND_LABELS.items()))


class MemberForm(FlaskForm):
    volunteer = IdField(_l("志愿者"), validators=[InputRequired(_l("请选择志愿者。"))])
    leader = BooleanField(_l("队长"))


class ActivityForm(FlaskForm):
    team = SelectField(_l("队伍"), coerce=int)
    title = StringField(_l("活动名称"), filters=[strip],
                        validators=[DataRequired(_l("请填写活动名称。")), Length(max=100)])
    place = StringField(_l("地点"), filters=[strip],
                        validators=[DataRequired(_l("请填写地点。")), Length(max=100)])
    starts_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(_l("请填写开始时间。"))])
    ends_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(_l("请填写结束时间。"))])
    capacity = IntegerField(_l("人数上限"), validators=[InputRequired(_l("请填写人数上限。")),
                                                    NumberRange(min=1, max=1000)])
    points_per_hour = IntegerField(_l("每小时积分"), validators=[Optional(),
                                                            NumberRange(min=0, max=100)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])


class ConfirmForm(FlaskForm):
    minutes = IntegerField(_l("服务时长(分钟)"), validators=[Optional(), NumberRange(min=1, max=1440)])


class ClaimForm(FlaskForm):
    team = SelectField(_l("队伍"), coerce=int)
    worked_on = DateField(_l("服务日期"), validators=[InputRequired(_l("请填写服务日期。"))])
    minutes = IntegerField(_l("服务时长(分钟)"), validators=[InputRequired(_l("请填写服务时长。")),
                                                         NumberRange(min=1, max=1440)])
    description = StringField(_l("服务内容"), filters=[strip],
                              validators=[DataRequired(_l("请填写服务内容。")), Length(max=500)])


class DecideForm(FlaskForm):
    decision = SelectField(_l("审核"), choices=choices([("approve", _l("通过")),
                                                      ("reject", _l("不通过"))]))
    reason = StringField(_l("原因"), filters=[strip], validators=[Optional(), Length(max=200)])


class PairingForm(FlaskForm):
    volunteer = IdField(_l("志愿者"), validators=[InputRequired(_l("请选择志愿者。"))])
    household = IdField(_l("结对户"), validators=[InputRequired(_l("请选择结对户。"))])
    need = SelectField(_l("帮扶对象"), choices=choices(NEED_LABELS.items()))
    visit_days = IntegerField(_l("走访间隔(天)"), default=30,
                              validators=[InputRequired(), NumberRange(min=1, max=365)])
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])


class PairVisitForm(FlaskForm):
    visited_on = DateField(_l("走访日期"), validators=[InputRequired(_l("请填写走访日期。"))])
    found = TextAreaField(_l("走访情况"), filters=[strip],
                          validators=[DataRequired(_l("请填写走访情况。")), Length(max=2000)])


class ProxyForm(FlaskForm):
    resident = IdField(_l("委托居民"), validators=[InputRequired(_l("请选择委托居民。"))])
    errand = SelectField(_l("代办事项"), choices=choices(ERRAND_LABELS.items()))
    description = TextAreaField(_l("具体要求"), filters=[strip],
                                validators=[DataRequired(_l("请填写具体要求。")), Length(max=2000)])
    case = StringField(_l("关联事件编号"), filters=[strip], validators=[Optional(), Length(max=32)])


class ProxyMoveForm(FlaskForm):
    #: which button was pressed: the state the errand moves to
    to = SelectField(_l("办理"), choices=choices([("accepted", _l("受理")), ("done", _l("办结")),
                                                ("cancelled", _l("取消"))]),
                     validators=[InputRequired(_l("请选择办理方式。"))])
    volunteer = IdField(_l("代办志愿者"), validators=[Optional()])
    result = TextAreaField(_l("办理结果"), filters=[strip], validators=[Optional(), Length(max=2000)])
    satisfaction = SelectField(_l("群众满意度"), choices=choices(SATISFACTION), default="")


class SettingsForm(FlaskForm):
    points_per_hour = IntegerField(_l("每服务1小时获得积分"),
                                   validators=[InputRequired(_l("请填写分值。")),
                                               NumberRange(min=0, max=100)])
