"""The raw figure behind an item's points, in words ("巡查 52 天 / 应 60 天"), and the points
and bands as the pages and the sheet print them. Kept apart from the numbers so that a frozen
score (numbers only) reads in the reader's language."""
from collections.abc import Sequence

from flask_babel import gettext as _

from .labels import MEASURES


def points(tenths: int | None) -> str:
    """Tenths of a point as the pages print them: 22.5, 20, −10."""
    if tenths is None:
        return ""
    whole, part = divmod(abs(tenths), 10)
    sign = "−" if tenths < 0 else ""
    return f"{sign}{whole}.{part}" if part else f"{sign}{whole}"


def credits(value_tenths: float) -> str:
    return points(int(value_tenths))


def figure(item) -> str:
    """What was measured for ``item`` (an ItemScore, or its frozen dict as an object)."""
    done, owed, measure = item.done, item.owed, item.measure
    if item.kind in ("positive", "negative"):
        if not item.entries:
            return _("无记录")
        return _("%(n)d条，合计%(sum)s分(上限%(cap)d分)", n=item.entries,
                 sum=points(int(done or 0) * 10), cap=item.cap or 0)
    done = int(done or 0)
    if measure == "patrol_days":
        text = _("巡查 %(d)d 天 / 应 %(o)d 天", d=done, o=int(owed or 0))
        if item.leave:
            text += _("(请假 %(n)d 个工作日不计)", n=item.leave)
        return text
    if measure == "visits_on_time":
        return _("按期走访 %(d)d 次 / 应走访 %(o)d 次", d=done, o=int(owed)) if owed \
            else _("本期没有应走访的户")
    if measure == "cases_reported":
        return _("上报 %(d)d 件 / 目标 %(o)d 件", d=done, o=int(owed or 0))
    if measure == "cases_on_time":
        return _("按期办结 %(d)d 件 / 办结 %(o)d 件", d=done, o=int(owed)) if owed \
            else _("本期没有办结的事件，按全镇平均")
    if measure == "satisfaction":
        return _("满意 %(d)d 件 / 评价 %(o)d 件", d=done, o=int(owed)) if owed \
            else _("本期没有评价，按全镇平均")
    if measure == "meetings":
        return _("出席 %(d)d 次 / 应到 %(o)d 次", d=done, o=int(owed)) if owed \
            else _("本期没有应参加的例会")
    if measure == "training":
        return _("学分 %(d)s / 应 %(o)s", d=credits(done), o=credits(owed or 0))
    if measure == "five_small":
        return _("“五小”奖励 %(d)d 件 / 目标 %(o)d 件", d=done, o=int(owed or 0))
    return str(MEASURES.get(measure, measure))


def band(band_row: dict | None, bands: Sequence[dict] = ()) -> str:
    """The band in words as a finance office reads it: "90分及以上" for the top, "80–89分" in
    between, "70分以下" for a bottom band starting at 0 (``bands``: all of the scheme's)."""
    if band_row is None:
        return _("未达档")
    above = sorted(b["min"] for b in bands if b["min"] > band_row["min"])
    if not above:
        return _("%(min)d分及以上", min=band_row["min"])
    if band_row["min"] <= 0:
        return _("%(next)d分以下", next=above[0])
    return _("%(min)d–%(max)d分", min=band_row["min"], max=above[0] - 1)
