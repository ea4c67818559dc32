"""Field validators shared by the core's forms; each message is in the user's language."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.validators import id_number_problem, is_phone, normalise_id_number, normalise_phone

ID_PROBLEMS = {
    "length": _l("身份证号应为18位，最后一位可以是X。"),
    "digits": _l("身份证号只能由数字0-9和X组成(请不要用全角或其他文字的数字)。"),
    "region": _l("身份证号的地区码不存在。"),
    "birth_date": _l("身份证号中的出生日期无效。"),
    "check_digit": _l("身份证号校验位不正确，请核对。"),
}

#: A masked number (430624********0013) edited rather than kept or replaced in full.
MASK_EDITED = _l("号码中有*号：请保持原来的号码不动，或填写完整的新号码。")


class Phone:
    def __init__(self, allow_service_number=False):
        self.allow_service_number = allow_service_number

    def __call__(self, form, field):
        if not field.data:
            return
        if "*" in field.data:
            raise ValidationError(MASK_EDITED)
        field.data = normalise_phone(field.data)
        if not is_phone(field.data, self.allow_service_number):
            raise ValidationError(_l("请输入有效的手机号(11位)或座机号(如 0730-1234567)。"))


def id_number(form, field):
    if not field.data:
        return
    if "*" in field.data:
        raise ValidationError(MASK_EDITED)
    field.data = normalise_id_number(field.data)  # full-width digits typed → ASCII
    problem = id_number_problem(field.data)
    if problem:
        raise ValidationError(ID_PROBLEMS[problem])


class IdField(IntegerField):
    """A record id chosen or typed in a form. IntegerField's int() reads "٤٢" and "４２" as 42
    and fails in the database on ids above 2**31 - 1; here an id is ASCII digits (after NFKC,
    so a full-width id typed on a phone is the same id) within an id's range, or no id."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        from portal.request_guard import parse_id
        from portal.validators import typed

        self.data = parse_id(typed(str(valuelist[0])))
        if self.data is None:
            raise ValueError(_l("请填写有效的编号(数字)。"))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]
