from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (BooleanField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField)
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                StopValidation)

from portal.forms import choices, strip
from portal.i18n import paren

from .models import CATEGORIES

CATEGORY_LABELS = {
    "villager": _l("村民"),
    "party_member": _l("党员"),
    "grid_worker": _l("兼职网格员"),
    "cadre": _l("村干部"),
}
assert set(CATEGORY_LABELS) == set(CATEGORIES)

KIND_LABELS = {
    "earn": _l("获得"), "redeem": _l("兑换"), "reverse": _l("冲正"), "adjust": _l("调整"),
    "expire": _l("过期"), "deduct": _l("扣分"),
}
STOCK_KIND_LABELS = {"restock": _l("入库"), "redeem": _l("兑换"), "return": _l("退货"),
                     "adjust": _l("盘点调整")}
OWNER_LABELS = {"household": _l("按户"), "resident": _l("按人")}

POINTS_RANGE = NumberRange(min=1, max=10000, message=_l("积分应在1到10000之间。"))
#: A rule's value: an award (加分) or a deduction (负向扣分, negative), never zero.
RULE_RANGE = NumberRange(min=-10000, max=10000, message=_l("分值应在-10000到10000之间。"))
CATEGORY_RANGE = NumberRange(min=-10000, max=10000, message=_l("分值应在-10000到10000之间。"))


def _not_zero(form, field):
    if field.data == 0:
        raise StopValidation(_("分值不能为0：加分填正数，扣分填负数。"))


class RuleForm(FlaskForm):
    name = StringField(_l("积分事项"), filters=[strip],
                       validators=[DataRequired(_l("请填写积分事项。")), Length(max=64)])
    points = IntegerField(_l("分值(扣分填负数)"),
                          validators=[InputRequired(_l("请填写分值。")), RULE_RANGE, _not_zero])
    villager = IntegerField(_l("村民分值"), validators=[Optional(), CATEGORY_RANGE])
    party_member = IntegerField(_l("党员分值"), validators=[Optional(), CATEGORY_RANGE])
    grid_worker = IntegerField(_l("兼职网格员分值"), validators=[Optional(), CATEGORY_RANGE])
    cadre = IntegerField(_l("村干部分值"), validators=[Optional(), CATEGORY_RANGE])
    active = BooleanField(_l("启用"), default=True)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        # a deduction's categories deduct (or give 0), an award's award: a sign that differs is
        # a slip of the keyboard, not a rule
        for c in CATEGORIES:
            value = getattr(self, c).data
            if value is not None and value * self.points.data < 0:
                getattr(self, c).errors.append(
                    _("扣分事项的类别分值应为负数或0。") if self.points.data < 0
                    else _("加分事项的类别分值应为正数或0。"))
                return False
        return True

    def category_points(self) -> dict:
        return {c: getattr(self, c).data for c in CATEGORIES if getattr(self, c).data is not None}


class TownSettingsForm(FlaskForm):
    """A town's points settings; one ``source_<n>`` select per kind of deed the modules on in the
    town reward (``with_sources``)."""
    at_zero = SelectField(_l("扣分超过余额时"))
    notice_days = IntegerField(_l("获得积分公示天数(0为不公示)"), default=0, validators=[
        InputRequired(_l("请填写公示天数。")),
        NumberRange(min=0, max=30, message=_l("公示天数应在0到30之间。"))])
    valid_months = IntegerField(_l("积分有效期(月，0为长期有效)"), default=0, validators=[
        InputRequired(_l("请填写积分有效期。")),
        NumberRange(min=0, max=120, message=_l("积分有效期应在0到120个月之间。"))])

    @classmethod
    def with_sources(cls, kinds: dict, rules, **data) -> "TownSettingsForm":
        fields = {}
        offered = choices([(0, _("不奖励"))] + [(r.id, r.name + paren(_("%(n)d 分", n=r.points)))
                                                for r in rules if r.points > 0 and r.active])
        for number, (kind, label) in enumerate(kinds.items()):
            fields[f"source_{number}"] = SelectField(label, coerce=int, choices=offered,
                                                     description=kind)
        form = type("PointsTownSettingsForm", (cls,), fields)(**data)
        from .town_settings import AT_ZERO

        form.at_zero.choices = choices(AT_ZERO.items())
        return form

    def source_fields(self) -> list:
        return [field for field in self if field.name.startswith("source_")]

    def sources(self) -> dict[str, int]:
        return {field.description: field.data or 0 for field in self.source_fields()}


class OwnerForm(FlaskForm):
    owner = SelectField(_l("积分归属"), choices=choices(OWNER_LABELS.items()))


class AwardForm(FlaskForm):
    rule = SelectField(_l("积分事项"), coerce=int,
                       validators=[InputRequired(_l("请选择积分事项。"))])
    note = StringField(_l("说明(活动、时间等)"), filters=[strip], validators=[Length(max=200)])
    #: The households ("h<id>") or residents ("r<id>") ticked; the page draws the checkboxes
    #: itself (a grid's list or a search), so any offered value is accepted here.
    target = SelectMultipleField(validate_choice=False)


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), filters=[strip],
                         validators=[DataRequired(_l("请说明原因。")), Length(max=200)])


class AdjustForm(ReasonForm):
    points = IntegerField(_l("调整分值(减少填负数)"),
                          validators=[InputRequired(_l("请填写分值。")),
                                      NumberRange(min=-10000, max=10000,
                                                  message=_l("分值应在-10000到10000之间。"))])


class CategoryForm(FlaskForm):
    category = SelectField(_l("类别"), choices=choices(CATEGORY_LABELS.items()))


class ShopForm(FlaskForm):
    grid = SelectField(_l("所在村(社区)"), coerce=int)
    name = StringField(_l("超市名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写超市名称。")), Length(max=64)])
    address = StringField(_l("地址"), filters=[strip], validators=[Length(max=128)])
    low_stock = IntegerField(_l("库存预警数量"), default=5,
                             validators=[InputRequired(_l("请填写库存预警数量。")),
                                         NumberRange(min=0, max=10000)])


class GoodsForm(FlaskForm):
    name = StringField(_l("商品名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写商品名称。")), Length(max=64)])
    price = IntegerField(_l("兑换积分"), validators=[InputRequired(_l("请填写兑换积分。")),
                                                  POINTS_RANGE])
    unit = StringField(_l("单位"), filters=[strip], validators=[Length(max=8)])
    photo = FileField(_l("照片"), validators=[FileAllowed(["jpg", "jpeg", "png", "webp"],
                                                          _l("照片须为 jpg、png 或 webp。"))])
    active = BooleanField(_l("上架"), default=True)


class RestockForm(FlaskForm):
    quantity = IntegerField(_l("入库数量"),
                            validators=[InputRequired(_l("请填写入库数量。")),
                                        NumberRange(min=1, max=100000,
                                                    message=_l("入库数量应在1到100000之间。"))])
    note = StringField(_l("备注(来源、批次)"), filters=[strip], validators=[Length(max=200)])


class QuantityField(IntegerField):
    """How many of one goods: empty is 0, a whole number from 0 to MAX_QUANTITY."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = int(text or 0)
        except ValueError:
            self.data = None
            raise ValueError(_("数量必须是整数。")) from None

    def pre_validate(self, form):
        from .shop import MAX_QUANTITY

        if self.data is not None and not 0 <= self.data <= MAX_QUANTITY:
            raise StopValidation(_("每样商品数量应在0到%(n)d之间。", n=MAX_QUANTITY))


class BasketForm(FlaskForm):
    """The kiosk basket: a ``qty-<goods id>`` per goods of the shop, the basket's key (one per
    basket: a confirm sent twice redeems once) and, when confirming, the total read back."""
    key = HiddenField()
    total = HiddenField()

    @classmethod
    def over(cls, goods_ids) -> "BasketForm":
        return _basket_form_class(cls, tuple(goods_ids))()

    def chosen(self) -> dict[int, int]:
        """{goods id: quantity} of the goods asked for (valid quantities above 0)."""
        return {int(field.name[4:]): field.data for field in self
                if field.name.startswith("qty-") and field.data}

    def expected_total(self) -> int | None:
        return int(self.total.data) if (self.total.data or "").isdigit() else None


@lru_cache(maxsize=1024)
def _basket_form_class(base: type, goods_ids: tuple[int, ...]) -> type:
    """One form class per set of goods, kept: WTForms works its fields out on a new class's
    first form, which made a tenth of the kiosk's requests' time when every request made one."""
    fields = {f"qty-{goods_id}": QuantityField() for goods_id in goods_ids}
    return type("ShopBasketForm", (base,), fields)
