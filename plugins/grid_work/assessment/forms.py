from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import IdField, choices, strip

from ..town_settings import LABELS, RANGES

QUARTERS = {"1": _l("第一季度"), "2": _l("第二季度"), "3": _l("第三季度"), "4": _l("第四季度"),
            "year": _l("全年")}
BAND_SLOTS = range(1, 7)


class GroupErrors(Field):
    """Not an input: where a refusal about a group of fields as a whole is shown (the weights
    that must add up to 100, the bands), beside the group."""

    def process_formdata(self, valuelist):
        self.data = None


class RulesForm(FlaskForm):
    """The town's numbers (plugins/grid_work/town_settings.py)."""
    min_credits = IntegerField(LABELS["min_credits"], validators=[
        InputRequired(_l("请填写。")), NumberRange(*RANGES["min_credits"])])
    patrol_days = IntegerField(LABELS["patrol_days"], validators=[
        InputRequired(_l("请填写。")), NumberRange(*RANGES["patrol_days"])])
    five_small_amount = IntegerField(LABELS["five_small_amount"], validators=[
        InputRequired(_l("请填写。")), NumberRange(*RANGES["five_small_amount"])])
    major_min = IntegerField(LABELS["major_min"], validators=[
        InputRequired(_l("请填写。")), NumberRange(*RANGES["major_min"])])
    major_max = IntegerField(LABELS["major_max"], validators=[
        InputRequired(_l("请填写。")), NumberRange(*RANGES["major_max"])])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        low, high = self.major_min.data, self.major_max.data
        if valid and low > high:
            self.major_max.errors.append(_l("重大问题奖励的下限不能高于上限。"))
            valid = False
        return valid

    def values(self) -> dict:
        return {key: self[key].data for key in LABELS}


class SchemeForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度。")),
                                               NumberRange(2000, 2100, _l("请填写年度。"))])
    quarter = SelectField(_l("考核期"), choices=choices(QUARTERS.items()), default="1")
    title = StringField(_l("标题"), filters=[strip], validators=[Length(max=100)],
                        description=_l("不填则按镇名和考核期自动生成。"))

    def quarter_value(self) -> int | None:
        return None if self.quarter.data == "year" else int(self.quarter.data)


class ItemsForm(FlaskForm):
    """The scheme's items: ``label-<id>`` and ``weight-<id>`` (measured) or ``cap-<id>``
    (recorded), ``target-<id>`` for the measures counted against a target."""
    weights = GroupErrors()

    @classmethod
    def over(cls, items) -> "ItemsForm":
        fields: dict = {}
        for item in items:
            fields[f"label-{item.id}"] = StringField(
                _l("项目名称"), filters=[strip], default=item.label,
                validators=[DataRequired(_l("请填写项目名称。")), Length(max=64)])
            if item.kind == "measured":
                fields[f"weight-{item.id}"] = IntegerField(
                    _l("分值"), default=item.weight,
                    validators=[InputRequired(_l("请填写分值。")),
                                NumberRange(0, 100, _l("分值应在0到100之间。"))])
                if item.measure in ("cases_reported", "five_small"):
                    fields[f"target-{item.id}"] = IntegerField(
                        _l("目标数"), default=item.target,
                        validators=[InputRequired(_l("请填写目标数。")),
                                    NumberRange(1, 10000, _l("目标数应在1到10000之间。"))])
            else:
                fields[f"cap-{item.id}"] = IntegerField(
                    _l("上限"), default=item.cap,
                    validators=[InputRequired(_l("请填写上限。")),
                                NumberRange(1, 100, _l("上限应在1到100之间。"))])
        return type("SchemeItemsForm", (cls,), fields)()

    def values(self, items) -> dict[int, dict]:
        found = {}
        for item in items:
            value = {"label": self[f"label-{item.id}"].data}
            for key in ("weight", "target", "cap"):
                name = f"{key}-{item.id}"
                if name in self:
                    value[key] = self[name].data
            found[item.id] = value
        return found


class BandsForm(FlaskForm):
    """Up to six (minimum score, yuan) rows; an empty row is left out."""
    bands = GroupErrors()

    @classmethod
    def over(cls, bands) -> "BandsForm":
        fields: dict = {}
        for n in BAND_SLOTS:
            band = bands[n - 1] if n <= len(bands) else {}
            fields[f"min-{n}"] = IntegerField(_l("最低分"), default=band.get("min"),
                                              validators=[Optional(), NumberRange(0, 100)])
            fields[f"amount-{n}"] = IntegerField(_l("补贴金额(元)"), default=band.get("amount"),
                                                 validators=[Optional(), NumberRange(0, 100000)])
        return type("SchemeBandsForm", (cls,), fields)()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in BAND_SLOTS:
            low, amount = self[f"min-{n}"], self[f"amount-{n}"]
            if (low.data is None) != (amount.data is None):
                (amount if amount.data is None else low).errors.append(
                    _l("最低分和金额要一起填。"))
                valid = False
        return valid

    def rows(self) -> list[tuple[int, int]]:
        return [(self[f"min-{n}"].data, self[f"amount-{n}"].data) for n in BAND_SLOTS
                if self[f"min-{n}"].data is not None]


class EntryForm(FlaskForm):
    item = SelectField(_l("项目"), coerce=int)
    points = IntegerField(_l("分值"), validators=[InputRequired(_l("请填写分值。")),
                                                 NumberRange(1, 100, _l("分值应在1到100之间。"))],
                          description=_l("填正数；负面清单的分值按扣分计。"))
    reason = StringField(_l("事由"), filters=[strip],
                         validators=[DataRequired(_l("请填写事由。")), Length(max=200)])
    happened_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    evidence = FileField(_l("佐证照片"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("请上传 JPG 或 PNG 照片。"))])


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("申诉理由"), filters=[strip],
                           validators=[DataRequired(_l("请写明申诉理由。")), Length(max=1000)])


class UpholdForm(FlaskForm):
    """Upholding: the corrected points of a measured item, or the entry of a recorded one."""
    corrected = IntegerField(_l("更正后的分值"), validators=[Optional()])
    entry = IdField(_l("撤销的记录"))
    note = StringField(_l("说明"), filters=[strip], validators=[Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.corrected.data is None and self.entry.data is None and not self.errors:
            self.corrected.errors.append(_l("请填写更正后的分值，或选择要撤销的记录。"))
            valid = False
        return valid


class RejectForm(FlaskForm):
    note = StringField(_l("驳回理由"), filters=[strip],
                       validators=[DataRequired(_l("驳回时请写明理由。")), Length(max=200)])


class AmountForm(FlaskForm):
    amount = IntegerField(_l("奖励金额(元)"),
                          validators=[InputRequired(_l("请填写金额。")), NumberRange(0, 100000)])
