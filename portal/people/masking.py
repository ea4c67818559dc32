"""How identifiers look to people who do not need them in full: the one mask of an ID number,
the one mask of a phone and the one mask of a name (public pages), used by the register's pages,
the template filter, exports and the audit log alike."""

#: What stands for the hidden characters: always four, so the mask does not tell their number.
HIDDEN = "****"
#: A phone mask never shows more than the first three and the last four characters: a mobile
#: number 13812345678 reads 138****5678, as every Chinese service shows it.
PHONE_HEAD, PHONE_TAIL = 3, 4


def mask_id(value: str | None) -> str:
    """430624195001010016 → 430624********0016: the region stays readable, the birth date not."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "****"


def mask_phone(value: str | None) -> str:
    """138****5678; a landline with its area code 073****4567; a short number keeps at most half
    of its characters, around a hidden middle of at least four: 84561234 → 84****34,
    8456123 → 8****23, 12345 → ****5. Never a whole number, however short."""
    if not value:
        return ""
    hidden = max(len(HIDDEN), len(value) - PHONE_HEAD - PHONE_TAIL)
    shown = max(0, len(value) - hidden)
    tail = min(PHONE_TAIL, (shown + 1) // 2)
    head = shown - tail
    return value[:head] + HIDDEN + (value[-tail:] if tail else "")


#: Two-character surnames: a mask keeps both characters (欧阳**), as people write them.
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯",
    "长孙", "宇文", "司徒", "轩辕", "端木", "西门", "南宫", "独孤", "呼延", "百里", "万俟",
))


def mask_name(name: str | None) -> str:
    """张三丰 → 张**, 王五 → 王*, 欧阳修文 → 欧阳**: the surname and one star for each other
    character, never the whole name (a one-character name still gets its star)."""
    name = (name or "").strip()
    if not name:
        return "*"
    keep = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:keep] + "*" * max(1, len(name) - keep)
