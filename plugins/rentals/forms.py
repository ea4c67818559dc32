from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import IdField, Phone, choices, id_number, strip

#: Why a registered resident lives elsewhere (户在人不在), as the register's forms ask it.
REASONS = {"work": _l("务工"), "business": _l("经商"), "study": _l("上学"), "family": _l("投亲"),
           "care": _l("就医"), "other": _l("其他")}


class LettingForm(FlaskForm):
    #: the landlord (a resident of the user's scope); their household is the house let
    landlord = IdField(_l("房东"), validators=[InputRequired(_l("请选择房东。"))])
    address = StringField(_l("出租房屋地址"), filters=[strip], validators=[Length(max=128)],
                          description=_l("不填则用房东户的地址。"))
    rooms = IntegerField(_l("出租间数"), validators=[Optional(),
                                                NumberRange(1, 500, _l("间数应在1到500之间。"))])
    started_on = DateField(_l("起租日期"), validators=[InputRequired(_l("请填写起租日期。"))])
    note = TextAreaField(_l("备注"), filters=[strip], validators=[Length(max=1000)])


class TenantForm(FlaskForm):
    name = StringField(_l("姓名"), filters=[strip],
                       validators=[DataRequired(_l("请填写租客姓名。")), Length(max=32)])
    id_number = StringField(_l("身份证号"), filters=[strip], validators=[Optional(), id_number])
    phone = StringField(_l("电话"), filters=[strip], validators=[Optional(), Phone()])
    moved_in_on = DateField(_l("入住日期"), validators=[InputRequired(_l("请填写入住日期。"))])
    registration_number = StringField(_l("暂住登记编号"), filters=[strip],
                                      validators=[Length(max=32)])
    registered_on = DateField(_l("登记日期"), validators=[Optional()])
    registration_expires_on = DateField(_l("暂住登记有效期至"), validators=[Optional()])


class EndForm(FlaskForm):
    on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])


class LetterForm(FlaskForm):
    letter = FileField(_l("房东治安责任书(签字页照片)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("请上传 JPG 或 PNG 照片。"))])


class AwayForm(FlaskForm):
    place = StringField(_l("现居住地"), filters=[strip],
                        validators=[DataRequired(_l("请填写现在住在哪里。")), Length(max=200)])
    since = DateField(_l("外出日期"), validators=[InputRequired(_l("请填写外出日期。"))])
    reason = SelectField(_l("外出原因"), choices=choices([("", _l("未填")), *REASONS.items()]),
                         validators=[Optional()])
