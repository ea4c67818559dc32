"""Checks on the identifiers Chinese records carry: phone numbers, resident ID numbers, codes.

Every number that identifies a person or a record is ASCII digits only. Python's ``\\d`` and
``str.isdigit()`` also accept full-width (``４``), Arabic-Indic (``٤``) and other digits, so
``43０６２４…`` passed the old check and, stored as typed, escaped the uniqueness check of
``430624…``. Typed input is therefore normalised first (NFKC turns full-width digits and letters
into ASCII, as a Chinese input method produces them) and then checked strictly: anything that is
still not ASCII after that (Arabic-Indic digits, superscripts NFKC does not fold into the
identifier, …) is refused, never stored.

The GB 11643 rule (check digit, birth date, region) is python-stdnum's ``stdnum.cn.ric``.
"""
import re
import unicodedata
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric

from portal.timeutil import local_today

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
SERVICE_NUMBER = re.compile(r"^1[0-9]{4}$")  # 12345 and other government hotlines
ASCII_DIGITS = re.compile(r"^[0-9]+$")
#: A household number (户编号) or a grid code: ASCII letters, digits and "-" only.
CODE = re.compile(r"^[0-9A-Za-z-]{1,32}$")

#: GB 11643's weights and check characters. The check itself is stdnum's; these stay for the
#: county-scale demo (portal/demo_scale.py), which sums the weights of a shared prefix once for
#: hundreds of thousands of generated numbers.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def typed(value: str | None) -> str:
    """What a person typed, in the form identifiers are compared in: NFKC (full-width → ASCII),
    surrounding space removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_phone(value: str) -> str:
    """A phone number as stored: NFKC, without spaces and brackets (``(0730) 123 4567``)."""
    return re.sub(r"[\s()（）]", "", typed(value))


def is_phone(value: str, allow_service_number: bool = False) -> bool:
    value = normalise_phone(value)
    if MOBILE.match(value) or LANDLINE.match(value):
        return True
    return allow_service_number and bool(SERVICE_NUMBER.match(value))


def normalise_id_number(value: str) -> str:
    """An ID number as stored: NFKC, no spaces, upper-case X."""
    return re.sub(r"\s", "", typed(value)).upper()


def is_code(value: str) -> bool:
    return bool(CODE.match(value or ""))


def id_number_problem(value: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643) is invalid, or None when it is valid.

    The value is checked as given (callers store what they checked): a number with anything but
    ASCII digits and a final X is refused here, so normalise typed input with
    ``normalise_id_number`` first."""
    value = (value or "").strip().upper()
    if value and not value.isascii():
        return "digits"
    if len(value) != 18 or not ASCII_DIGITS.match(value[:17]) or value[17] not in "0123456789X":
        return "length"
    if not region_known(value[:6]):
        return "region"
    try:
        born = ric.get_birth_date(value)
    except ric.InvalidComponent:
        return "birth_date"
    if born.year < 1900 or born > local_today():
        return "birth_date"
    if ric.calc_check_digit(value) != value[17]:
        return "check_digit"
    return None


def region_known(code: str) -> bool:
    """A region (the first six digits) that stdnum's table of counties knows. Not tied to the
    birth year as ``ric.get_birth_place`` is: a number is given where one is registered, so a
    person born before their county was created (湘阴县's code dates from 1986) still carries it."""
    if not (len(code) == 6 and ASCII_DIGITS.match(code)):
        return False
    return _county_in_table(code)


@lru_cache(maxsize=8192)
def _county_in_table(code: str) -> bool:
    # stdnum walks its table of 6,000 regions for every lookup: a quarter of an import's time
    # when each of 100,000 rows asked, and a county's residents share a few dozen codes
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def id_check_char(first17: str) -> str:
    """The check character that completes 17 digits (for generated demo and test numbers)."""
    return ric.calc_check_digit(first17 + "0")
