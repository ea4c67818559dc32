"""What a resident's identifiers tell and how they are searched."""
from datetime import date

from pypinyin import lazy_pinyin

from portal.validators import id_check_char, id_number_problem, normalise_phone


def from_id_number(id_number: str) -> tuple[str, date]:
    """Sex ("M"/"F") and birth date encoded in a valid 18-character ID number."""
    sex = "M" if int(id_number[16]) % 2 else "F"
    return sex, date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def pinyin_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name: 张三丰 → ("zhangsanfeng", "zsf")."""
    syllables = lazy_pinyin(name, errors="ignore")  # one pass: the initials are their first letters
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def reversed_digits(value: str | None) -> str | None:
    return value[::-1] if value else None


def make_id_number(region: str, born: date, sequence: int, female: bool) -> str:
    """A valid ID number (for demo data and tests): region + birth date + sequence + check digit."""
    seq = sequence % 1000
    if (seq % 2 == 1) == female:  # odd 17th digit = male
        seq = (seq + 1) % 1000
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


__all__ = ["from_id_number", "pinyin_keys", "reversed_digits", "make_id_number",
           "id_number_problem", "normalise_phone"]
