from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.cases.forms import coordinate_fields, photo_field
from portal.forms import Phone, choices, strip

from . import town_settings
from .kinds import GROUPS, KINDS, PASS, RESULTS, kinds_of


def kind_choices() -> list[SelectChoice]:
    """The kinds as the select shows them: an <optgroup> per group."""
    return [SelectChoice("", _l("请选择")),
            *(SelectChoice(kind, KINDS[kind][0], optgroup=str(label))
              for group, label in GROUPS.items() for kind in kinds_of(group))]


class PlaceForm(FlaskForm):
    name = StringField(_l("名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写场所名称。")), Length(max=100)])
    kind = SelectField(_l("类型"), validators=[DataRequired(_l("请选择场所类型。"))])
    #: refused by the view with its own words (the choices are the user's base grids)
    grid = SelectField(_l("所在网格"), coerce=int, validate_choice=False,
                       validators=[DataRequired(_l("请选择场所所在的网格。"))])
    address = StringField(_l("地址"), filters=[strip], validators=[Length(max=200)])
    latitude, longitude = coordinate_fields()
    person_in_charge = StringField(_l("法定代表人/负责人"), filters=[strip],
                                   validators=[Length(max=32)])
    contact_phone = StringField(_l("联系电话"), filters=[strip], validators=[Optional(), Phone()])
    staff_count = IntegerField(_l("从业人数"), validators=[
        Optional(), NumberRange(0, 100000, _l("从业人数应在0到100000之间。"))])
    registered_on = DateField(_l("登记日期"), validators=[Optional()])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Length(max=1000)])

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()
        self.grid.choices = choices([(0, _l("请选择")), *((g.id, g.name) for g in grids)])


class DateForm(FlaskForm):
    on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])


class LicenceForm(FlaskForm):
    name = StringField(_l("证照名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写证照名称。")), Length(max=64)],
                       render_kw={"list": "licence-names"})
    number = StringField(_l("证照编号"), filters=[strip], validators=[Length(max=64)])
    expires_on = DateField(_l("有效期至"), validators=[Optional()])


class InspectionForm(FlaskForm):
    inspected_on = DateField(_l("检查日期"), validators=[InputRequired(_l("请填写检查日期。"))])
    note = TextAreaField(_l("检查说明"), filters=[strip], validators=[Length(max=1000)])

    @classmethod
    def over(cls, items: dict, **kwargs) -> "InspectionForm":
        """The form of one checklist: per item its result (``r-``), and for a failed one the
        hazard's description (``d-``), rectification deadline (``t-``) and photos (``p-``)."""
        fields = {}
        for key, label in items.items():
            fields[f"r-{key}"] = RadioField(label, choices=choices(RESULTS.items()), default=PASS,
                                            validators=[InputRequired(_l("请选择检查结果。"))])
            fields[f"d-{key}"] = TextAreaField(_l("隐患描述"), filters=[strip],
                                               validators=[Length(max=500)])
            fields[f"t-{key}"] = DateField(_l("整改期限"), validators=[Optional()])
            fields[f"p-{key}"] = photo_field(_l("隐患照片"))
        form = type("ChecklistForm", (cls,), fields)(**kwargs)
        form.items = items
        return form

    def results(self) -> dict[str, str]:
        return {key: self[f"r-{key}"].data for key in self.items}

    def hazards(self) -> dict[str, dict]:
        return {key: {"description": self[f"d-{key}"].data, "deadline": self[f"t-{key}"].data,
                      "photos": self[f"p-{key}"].data} for key in self.items}


class ReinspectionForm(FlaskForm):
    inspected_on = DateField(_l("复查日期"), validators=[InputRequired(_l("请填写复查日期。"))])
    note = TextAreaField(_l("复查说明"), filters=[strip], validators=[Length(max=1000)])

    @classmethod
    def over(cls, hazards, **kwargs) -> "ReinspectionForm":
        """Per open hazard: fixed or not (``f-``) and, when not, its new deadline (``t-``)."""
        fields = {}
        for hazard in hazards:
            fields[f"f-{hazard.id}"] = RadioField(
                _l("整改情况"), choices=choices([("fixed", _l("已整改")), ("open", _l("未整改"))]),
                validators=[InputRequired(_l("请选择整改情况。"))])
            fields[f"t-{hazard.id}"] = DateField(_l("新的整改期限"), validators=[Optional()])
        form = type("HazardsForm", (cls,), fields)(**kwargs)
        form.hazard_ids = [hazard.id for hazard in hazards]
        return form

    def outcomes(self) -> dict[int, dict]:
        return {hid: {"fixed": self[f"f-{hid}"].data == "fixed", "deadline": self[f"t-{hid}"].data}
                for hid in self.hazard_ids}


def _months(label):
    return IntegerField(label, validators=[
        InputRequired(_l("请填写巡查周期。")),
        NumberRange(1, town_settings.MAX_MONTHS, _l("巡查周期应在1到24个月之间。"))])


class SettingsForm(FlaskForm):
    units_months = _months(_l("单位巡查周期(月)"))
    small_months = _months(_l("九小场所巡查周期(月)"))
    facilities_months = _months(_l("公共设施巡查周期(月)"))
    rectify_days = IntegerField(_l("隐患整改期限(天)"), validators=[
        InputRequired(_l("请填写整改期限。")),
        NumberRange(1, town_settings.MAX_RECTIFY_DAYS, _l("整改期限应在1到90天之间。"))])
