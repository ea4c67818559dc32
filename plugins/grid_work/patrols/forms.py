"""The patrol's forms: a point passed, a problem found, the end; a checkpoint; the log's notes.
Photos and coordinates are the case form's own fields (static/js/photos.js, static/js/geo.js)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.cases.forms import PHOTO_TYPES, coordinate_fields, photo_field
from portal.forms import strip


def single_photo_field(label):
    return FileField(label, render_kw={"accept": "image/jpeg,image/png,image/webp",
                                       "data-photo": ""},
                     validators=[FileAllowed(PHOTO_TYPES, _l("照片只能是 JPG、PNG 或 WebP 图片。"))])


class PointForm(FlaskForm):
    latitude, longitude = coordinate_fields()
    note = TextAreaField(_l("看到的情况"), filters=[strip], validators=[Length(max=500)])
    photo = single_photo_field(_l("照片"))
    #: when the phone took the point (ms since 1970, filled by patrol.js): a point kept offline
    #: keeps its own time
    taken_at = HiddenField()


class ProblemForm(FlaskForm):
    title = StringField(_l("发现的问题"), filters=[strip],
                        validators=[DataRequired(_l("请用一句话写下发现的问题。")), Length(max=100)])
    category = SelectField(_l("类别"), validators=[DataRequired(_l("请选择事件类别。"))])
    description = TextAreaField(_l("补充说明"), filters=[strip], validators=[Length(max=2000)])
    photos = photo_field()
    latitude, longitude = coordinate_fields(hidden=True)
    taken_at = HiddenField()


class EndForm(FlaskForm):
    note = TextAreaField(_l("这次巡查看到的情况"), filters=[strip],
                         validators=[DataRequired(_l("请写下这次巡查看到的情况。")),
                                     Length(max=2000)])


class CheckpointForm(FlaskForm):
    grid = SelectField(_l("网格"), coerce=int,
                       validators=[DataRequired(_l("请选择巡查点所在的网格。"))])
    name = StringField(_l("巡查点名称"), filters=[strip],
                       validators=[DataRequired(_l("请填写巡查点名称。")), Length(max=64)],
                       description=_l("如：石桥、水塘、学校门口"))
    latitude, longitude = coordinate_fields()


class NotesForm(FlaskForm):
    notes = TextAreaField(_l("今天的记事"), filters=[strip], validators=[Length(max=4000)])
