from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.cases.forms import coordinate_fields, photo_field
from portal.forms import IdField, Phone, choices, id_number, strip
from portal.timeutil import local_today

COLOUR_LABELS = {"red": _l("红色(特别关注)"), "yellow": _l("黄色(重点关注)"),
                 "green": _l("绿色(一般关注)")}
COLOUR_SHORT = {"red": _l("红"), "yellow": _l("黄"), "green": _l("绿")}
RELATION_LABELS = {
    "head": _l("户主"), "spouse": _l("配偶"), "child": _l("子女"), "parent": _l("父母"),
    "grandchild": _l("孙辈"), "grandparent": _l("祖辈"), "sibling": _l("兄弟姐妹"),
    "child_in_law": _l("儿媳/女婿"), "other": _l("其他"),
}
RESIDENCE_LABELS = {"local": _l("户籍常住"), "registered_away": _l("户在人不在"),
                    "non_registered": _l("人在户不在(流动)")}
CARE_LABELS = {
    "elderly_alone": _l("独居老人"), "empty_nest": _l("空巢老人"), "disabled": _l("残疾人"),
    "in_difficulty": _l("困难户"), "left_behind_child": _l("留守儿童"),
    "left_behind_woman": _l("留守妇女"), "left_behind_elder": _l("留守老人"),
    "low_income": _l("低保户"), "veteran": _l("退役军人"),
}
LEFT_LABELS = {"deceased": _l("死亡"), "moved_away": _l("迁出")}
KEY_LABELS = {"petitioner": _l("信访人员"), "released_prisoner": _l("刑满释放人员"),
              "drug_user": _l("吸毒人员"), "mental_illness": _l("严重精神障碍患者"),
              "community_correction": _l("社区矫正人员")}
SEX_LABELS = {"M": _l("男"), "F": _l("女")}


class HouseholdForm(FlaskForm):
    address = StringField(_l("住址"), filters=[strip],
                          validators=[DataRequired(_l("请填写住址。")), Length(max=128)])
    building = StringField(_l("楼栋"), filters=[strip], validators=[Optional(), Length(max=64)])
    number = StringField(_l("户编号"), filters=[strip], validators=[Optional(), Length(max=32)])
    colour = SelectField(_l("关注颜色"), choices=choices([("", _l("不设(普通户)")),
                                                       *COLOUR_LABELS.items()]))


class ResidentForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[strip],
                       validators=[DataRequired(_l("请填写姓名。")), Length(max=32)])
    #: No relation is chosen for the user: "户主" for every new member made second heads.
    relation = SelectField(_l("与户主关系"),
                           choices=choices([("", _l("请选择")), *RELATION_LABELS.items()]),
                           validators=[DataRequired(_l("请选择与户主的关系。"))])
    id_number = StringField(_l("身份证号"), filters=[strip], validators=[Optional(), id_number])
    phone = StringField(_l("电话"), filters=[strip], validators=[Optional(), Phone()])
    residence = SelectField(_l("户籍情况"), choices=choices(RESIDENCE_LABELS.items()))
    party_member = BooleanField(_l("党员"))
    care = SelectMultipleField(_l("关爱类别"), choices=choices(CARE_LABELS.items()))
    #: "显示完整号码" on the edit page: a submit button, so the edits under way are kept
    reveal = SubmitField(_l("显示完整号码(将记录查看)"))


class MoveHouseholdForm(FlaskForm):
    grid = SelectField(_l("迁往网格"), coerce=int, validators=[DataRequired(_l("请选择网格。"))])


class MoveResidentForm(FlaskForm):
    household = IdField(_l("迁入户(户的编号ID)"),
                             validators=[DataRequired(_l("请填写迁入的户。"))])
    relation = SelectField(_l("与新户主关系"),
                           choices=choices([("", _l("请选择")), *RELATION_LABELS.items()]),
                           validators=[DataRequired(_l("请选择与户主的关系。"))])


class ChangeHeadForm(FlaskForm):
    """更换户主: the new head among the members; what the old head becomes."""
    resident = SelectField(_l("新户主"), coerce=int,
                           validators=[DataRequired(_l("请选择新户主。"))])
    old_relation = SelectField(_l("原户主改为"), choices=choices(
        [("", _l("请选择")), *((k, v) for k, v in RELATION_LABELS.items() if k != "head")]))


class NewHouseholdForm(HouseholdForm):
    """登记住户 from a village's or a town's list: the base or special grid is chosen too."""
    grid = SelectField(_l("网格"), coerce=int, validators=[DataRequired(_l("请选择网格。"))])


class LeaveForm(FlaskForm):
    reason = SelectField(_l("注销原因"), choices=choices(LEFT_LABELS.items()))


class VisitForm(FlaskForm):
    visited_on = DateField(_l("走访日期"), default=local_today,
                           validators=[DataRequired(_l("请填写走访日期。"))])
    found = TextAreaField(_l("走访情况"), filters=[strip],
                          validators=[DataRequired(_l("请填写走访情况。")), Length(max=2000)])
    follow_up = TextAreaField(_l("后续跟进"), filters=[strip],
                              validators=[Optional(), Length(max=2000)])
    # photos and where the visit took place: the same fields as the case form's
    latitude, longitude = coordinate_fields()
    photos = photo_field(_l("走访照片"))
    #: The household's grid as the page showed it: a visit kept on a phone without signal is
    #: refused if the household moved meanwhile (portal/offline/conflicts.py).
    household_grid = HiddenField()


class KeyPersonForm(FlaskForm):
    category = SelectField(_l("类别"), choices=choices(KEY_LABELS.items()))
    light = SelectField(_l("预警"), choices=choices([("red", _l("红灯(管控期内)")),
                                                    ("green", _l("绿灯"))]))
    control_until = DateField(_l("管控期至"), validators=[Optional()])
    notes = TextAreaField(_l("备注"), filters=[strip], validators=[Optional(), Length(max=2000)])


class VisitRulesForm(FlaskForm):
    red = IntegerField(_l("红色户(天)"), validators=[NumberRange(1, 366, _l("天数应在1到366之间。"))])
    yellow = IntegerField(_l("黄色户(天)"), validators=[NumberRange(1, 366, _l("天数应在1到366之间。"))])
    green = IntegerField(_l("绿色户(天)"), validators=[NumberRange(1, 366, _l("天数应在1到366之间。"))])
    ordinary = IntegerField(_l("普通户(天)"),
                            validators=[NumberRange(1, 366, _l("天数应在1到366之间。"))])
    care = IntegerField(_l("有关爱对象的户(天)"),
                        validators=[NumberRange(1, 366, _l("天数应在1到366之间。"))])


class ImportForm(FlaskForm):
    file = FileField(_l("Excel 文件(.xlsx)"), validators=[
        FileRequired(_l("请选择要导入的文件。")),
        FileAllowed(["xlsx"], _l("只能导入 .xlsx 文件，请用模板填写。"))])
