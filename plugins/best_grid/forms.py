from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, Field, FloatField, IntegerField, SelectField, StringField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import choices, strip
from portal.request_guard import parse_id

KIND_LABELS = {"quarterly": _l("季度擂台赛"), "yearly": _l("年度平安网格评定")}

#: How many judged criteria (on-site inspections) a contest may have.
JUDGED_SLOTS = (1, 2, 3)


class ClassForm(FlaskForm):
    name = StringField(_l("类别名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写类别名称。")), Length(max=32)])


def class_id(value) -> int | None:
    """A class chosen in a grid's row: "" is 不参评; so is anything that is not an id (as
    before forms: "²".isdigit() is true, int("²") fails)."""
    return value if isinstance(value, int) else parse_id(value)


class PlacementForm(FlaskForm):
    """Which class each grid of the town is in: a ``grid-<grid id>`` per grid, its choices the
    town's classes and 不参评; a row left out of the post keeps its class."""

    @classmethod
    def over(cls, grids, classes, placed: dict[int, int]) -> "PlacementForm":
        options = [("", _l("不参评")), *((k.id, k.name) for k in classes)]
        fields = {f"grid-{g.id}": SelectField(g.name, choices=choices(options), coerce=class_id,
                                              default=placed.get(g.id))
                  for g in grids}
        return type("TownPlacementForm", (cls,), fields)()

    def chosen(self) -> dict[int, int | None]:
        """{grid id: class id or None}."""
        return {int(field.name[5:]): field.data for field in self
                if field.name.startswith("grid-")}


class WeightField(IntegerField):
    """A criterion's weight: empty is "not used", else a whole number."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError:
                raise ValueError(_l("权重须是整数。")) from None


class GroupErrors(Field):
    """Not an input: where a refusal about a group of fields as a whole is shown (the criteria
    whose weights must add up to 100), beside the group."""

    def process_formdata(self, valuelist):
        self.data = None


class ContestForm(FlaskForm):
    """A new contest; over the town's measures it also has a ``w-<measure key>`` weight per
    measured criterion and ``judged-<n>``/``jw-<n>`` (label, weight) per judged one."""
    title = StringField(_l("评比名称"), filters=[strip],
                        validators=[DataRequired(_l("请填写评比名称。")), Length(max=64)])
    kind = SelectField(_l("类型"), choices=choices(KIND_LABELS.items()))
    starts_on = DateField(_l("统计开始日期"), validators=[InputRequired(_l("请填写日期。"))])
    ends_on = DateField(_l("统计结束日期"), validators=[InputRequired(_l("请填写日期。"))])
    criteria = GroupErrors()
    prize1 = IntegerField(_l("第一名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])
    prize2 = IntegerField(_l("第二名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])
    prize3 = IntegerField(_l("第三名奖金(元)"), validators=[Optional(), NumberRange(0, 1000000)])

    @classmethod
    def over(cls, available: dict[str, str]) -> "ContestForm":
        fields = {f"w-{key}": WeightField(label) for key, label in available.items()}
        for n in JUDGED_SLOTS:
            fields[f"judged-{n}"] = StringField(_l("评审项目名称"), filters=[strip],
                                                validators=[Length(max=64)])
            fields[f"jw-{n}"] = WeightField(_l("权重"))
        form = type("TownContestForm", (cls,), fields)()
        form.available = available
        return form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in JUDGED_SLOTS:
            if self[f"jw-{n}"].data is not None and not self[f"judged-{n}"].data:
                self[f"judged-{n}"].errors.append(_l("请填写评审打分项的名称。"))
                valid = False
        return valid

    def chosen_criteria(self) -> list[tuple[str, str, int]]:
        """[(key, label, weight)] as services.create_contest takes them."""
        criteria = [(key, label, self[f"w-{key}"].data) for key, label in self.available.items()
                    if self[f"w-{key}"].data is not None]
        for n in JUDGED_SLOTS:
            if self[f"judged-{n}"].data:
                criteria.append((f"judged:{n}", self[f"judged-{n}"].data, self[f"jw-{n}"].data or 0))
        return criteria

    def prizes(self) -> dict[str, int]:
        return {str(n): self[f"prize{n}"].data for n in (1, 2, 3) if self[f"prize{n}"].data}


def score_name(criterion_id: int, grid_id: int) -> str:
    """The judges' table cell of one criterion and grid (services.judge names it so too)."""
    return f"s{criterion_id}_{grid_id}"


class JudgeForm(FlaskForm):
    """The judges' table: a ``s<criterion id>_<grid id>`` per judged criterion and grid, as
    typed (the view reads each as a number and marks every one that is not)."""

    @classmethod
    def over(cls, judged, entries, mine: dict[tuple[int, int], float]) -> "JudgeForm":
        fields = {score_name(c.id, e.grid_id): StringField(f"{e.grid.name} {c.label}",
                                                           filters=[strip],
                                                           default=mine.get((c.id, e.grid_id)))
                  for c in judged for e in entries}
        return type("ContestJudgeForm", (cls,), fields)()


class AdjustForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int)
    points = FloatField(_l("调整分"), validators=[InputRequired(_l("请填写调整分。"))])
    reason = StringField(_l("理由"), filters=[strip],
                         validators=[DataRequired(_l("调整须写明理由。")), Length(max=500)])


class AwardForm(FlaskForm):
    staff = SelectField(_l("网格员"), coerce=int)
    prize = IntegerField(_l("奖金(元)"), default=0, validators=[InputRequired(), NumberRange(0, 1000000)])
    citation = StringField(_l("事迹"), filters=[strip], validators=[Optional(), Length(max=500)])
