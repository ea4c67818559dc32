"""The words of the assessment: its measures, item kinds and appeal states, the default items a
new scheme starts from (they add to 100) and the default subsidy bands."""
from flask_babel import lazy_gettext as _l

MODULE = "grid_work"

#: The measured figures, in the order a new scheme lists them.
MEASURES = {
    "visits_on_time": _l("走访按期"),
    "patrol_days": _l("巡查天数"),
    "cases_reported": _l("发现上报事件"),
    "cases_on_time": _l("按期办结"),
    "satisfaction": _l("群众满意度"),
    "meetings": _l("例会出勤"),
    "training": _l("培训学分"),
    "five_small": _l("“五小”奖励"),
}
#: Measures scored against the item's own target (a count); the others bring their own
#: denominator (days owed, visits due, cases resolved or rated, meetings, the town's credits).
TARGETED = ("cases_reported", "five_small")
#: Measures where a worker with nothing to measure gets the town's average of those with some.
AVERAGED = ("cases_on_time", "satisfaction")

KINDS = {"measured": _l("计量项目"), "positive": _l("正面清单"), "negative": _l("负面清单")}
RECORDED = ("positive", "negative")
APPEAL_STATES = {"open": _l("待处理"), "upheld": _l("已支持"), "rejected": _l("已驳回")}
SCHEME_STATES = {"draft": _l("考核中"), "published": _l("已发布")}

#: A new scheme's items: measured weights and the positive cap add to 100; the negative list
#: is deducted outside the 100. ``target`` of a targeted measure is per quarter (×4 for a year).
DEFAULT_ITEMS = (
    {"kind": "measured", "measure": "visits_on_time", "weight": 25},
    {"kind": "measured", "measure": "patrol_days", "weight": 20},
    {"kind": "measured", "measure": "cases_reported", "weight": 15, "target": 10},
    {"kind": "measured", "measure": "cases_on_time", "weight": 10},
    {"kind": "measured", "measure": "satisfaction", "weight": 10},
    {"kind": "measured", "measure": "meetings", "weight": 10},
    {"kind": "measured", "measure": "training", "weight": 5},
    {"kind": "measured", "measure": "five_small", "weight": 0, "target": 3},
    {"kind": "positive", "label": _l("正面清单"), "cap": 5},
    {"kind": "negative", "label": _l("负面清单"), "cap": 20},
)
#: Highest first: a score at or above ``min`` earns ``amount`` yuan.
DEFAULT_BANDS = ({"min": 90, "amount": 1500}, {"min": 80, "amount": 1200},
                 {"min": 70, "amount": 900}, {"min": 0, "amount": 600})

AUDIT = {
    "actions": {
        "grid_work.rules": _l("修改网格员工作设置"),
        "grid_work.scheme_create": _l("新建考核方案"),
        "grid_work.items": _l("修改考核项目"),
        "grid_work.bands": _l("修改补贴档次"),
        "grid_work.entry_add": _l("考核加减分"),
        "grid_work.entry_withdraw": _l("撤销考核加减分"),
        "grid_work.appeal": _l("考核申诉"),
        "grid_work.appeal_decide": _l("处理考核申诉"),
        "grid_work.publish": _l("发布考核结果"),
        "grid_work.subsidy_export": _l("下载考核补贴发放表"),
        "grid_work.reward": _l("“五小”奖励"),
        "grid_work.reward_amount": _l("审定重大问题奖励"),
        "grid_work.rewards_export": _l("下载“五小”奖励发放表"),
    },
    "objects": {"GridWorkScheme": _l("考核方案"), "GridWorkItem": _l("考核项目"),
                "GridWorkEntry": _l("考核加减分"), "GridWorkAppeal": _l("考核申诉"),
                "GridWorkScore": _l("考核得分"), "GridWorkReward": _l("“五小”奖励")},
    "fields": {"year": _l("年度"), "quarter": _l("季度"), "title": _l("标题"),
               "items": _l("考核项目"), "bands": _l("补贴档次"), "worker": _l("网格员"),
               "points": _l("分值"), "reason": _l("事由"), "happened_on": _l("日期"),
               "item": _l("考核项目"), "upheld": _l("支持申诉"), "corrected": _l("更正分值"),
               "workers": _l("网格员"), "names": _l("名单"), "case": _l("事件"),
               "amount": _l("金额"), "month": _l("月份"), "major": _l("重大问题"),
               "scheme": _l("考核方案"), "subsidy": _l("补贴金额")},
}
