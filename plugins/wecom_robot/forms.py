from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class RobotForm(FlaskForm):
    grid = SelectField(_l("所在村(社区)或网格"), coerce=int)
    name = StringField(_l("群名称"), validators=[DataRequired(), Length(max=64)])
    # checked by the service (it also takes the whole webhook address)
    key = StringField(_l("Webhook 地址或密钥"), render_kw={"autocomplete": "off"})
    events = SelectMultipleField(_l("推送的消息"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())
    active = BooleanField(_l("启用"), default=True)
