from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    # any value is taken here: a town outside one's scope is a 404 (the view), not a
    # "not a valid choice" beside the field, so that another county's towns cannot be probed
    town = SelectField(_l("导入到哪个镇(街道)"), validate_choice=False,
                       validators=[DataRequired(_l("请选择要导入的镇(街道)。"))])
    file = FileField(_l("样板间文件(JSON)"),
                     validators=[FileRequired(_l("请选择从本系统导出的样板间文件。"))])


class ApplyForm(FlaskForm):
    #: Names the template kept at the preview (portal.town_templates.pending).
    token = HiddenField(validators=[DataRequired(_l("请先上传文件并查看改动。"))])
