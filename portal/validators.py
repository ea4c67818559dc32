"""Checks on the identifiers Chinese records carry: phone numbers and resident ID numbers."""
import re
from datetime import date

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
SERVICE_NUMBER = re.compile(r"^1\d{4}$")  # 12345 and other government hotlines

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", value or "")


def is_phone(value: str, allow_service_number: bool = False) -> bool:
    value = normalise_phone(value)
    if MOBILE.match(value) or LANDLINE.match(value):
        return True
    return allow_service_number and bool(SERVICE_NUMBER.match(value))


def id_number_problem(value: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643) is invalid, or None when it is valid."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "length"
    if value[:2] not in PROVINCE_CODES:
        return "region"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if born.year < 1900 or born > date.today():
        return "birth_date"
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    if ID_CHECK_CHARS[total % 11] != value[17]:
        return "check_digit"
    return None


PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]
