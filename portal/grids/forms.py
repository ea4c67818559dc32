from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms import Phone, choices, strip
from portal.grids.staff_posts import BUILT_IN as BUILT_IN_POSTS

SPECIAL_KIND_LABELS = {
    "enterprise": _l("企业"), "school": _l("学校"), "market": _l("市场"), "park": _l("园区"),
    "hospital": _l("医院"), "barracks": _l("营区"), "other": _l("其他"),
}

LEVEL_LABELS = {
    "county": _l("县"), "town": _l("镇(街道)"), "village": _l("村(社区)"),
    "grid": _l("基础网格"), "special": _l("专属网格"),
}

#: The built-in posts' labels; a town's extra posts and any staff member's label come from
#: portal.grids.staff_posts (posts_for, PostLabels, label_for).
POST_LABELS = BUILT_IN_POSTS


class GridForm(FlaskForm):
    name = StringField(_l("名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写名称。")), Length(max=64)])
    special_kind = SelectField(_l("专属网格类型"), validate_choice=False,
                               choices=choices([("", "—"), *SPECIAL_KIND_LABELS.items()]))
    supervision_phone = StringField(_l("监督电话"), filters=[strip],
                                    validators=[Optional(), Phone(allow_service_number=True)])
    description = TextAreaField(_l("范围说明"), filters=[strip],
                                validators=[Optional(), Length(max=500)])


class MoveForm(FlaskForm):
    parent = SelectField(_l("新的上级"), coerce=int,
                         validators=[DataRequired(_l("请选择新的上级。"))])


class StaffForm(FlaskForm):
    #: The town's posts are set by the view (staff_posts.posts_for); the service checks the
    #: choice, so an unknown code is refused beside the field in Chinese.
    post = SelectField(_l("职务"), choices=choices(POST_LABELS.items()), validate_choice=False)
    name = StringField(_l("姓名"), filters=[strip],
                       validators=[DataRequired(_l("请填写姓名。")), Length(max=32)])
    phone = StringField(_l("电话"), filters=[strip], validators=[Optional(), Phone()])
    duties = TextAreaField(_l("职责"), filters=[strip], validators=[Optional(), Length(max=500)])
    sort_order = IntegerField(_l("排序"), default=0,
                              validators=[Optional(), NumberRange(0, 999, _l("排序应在0到999之间。"))])
    #: Not called "photo": that would be filled from the model's stored file name.
    photo_file = FileField(_l("照片"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("照片只能是 JPG、PNG 或 WebP 图片。"))])


class NameForm(FlaskForm):
    """The inline rename on the grid page (htmx); the service checks the name."""
    name = StringField(_l("名称"))
