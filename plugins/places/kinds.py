"""What kinds of place there are, in three groups, and the safety checklist of each group. Fixed
in code: a town chooses only how often each group is inspected (town_settings)."""
from flask_babel import lazy_gettext as _l

#: The kind groups: units (单位), the nine small places (九小场所), public facilities (公共设施).
UNITS, SMALL, FACILITIES = "units", "small", "facilities"
GROUPS = {UNITS: _l("单位"), SMALL: _l("九小场所"), FACILITIES: _l("公共设施")}

#: kind -> (label, group), in the order the forms offer them.
KINDS = {
    "enterprise": (_l("企业"), UNITS),
    "shop": (_l("商铺"), UNITS),
    "school": (_l("学校"), UNITS),
    "clinic": (_l("医疗机构"), UNITS),
    "organisation": (_l("社会组织/机关"), UNITS),
    "small_store": (_l("小商店"), SMALL),
    "small_eatery": (_l("小餐饮"), SMALL),
    "small_hotel": (_l("小旅馆"), SMALL),
    "small_netcafe": (_l("小网吧"), SMALL),
    "small_karaoke": (_l("小歌舞娱乐"), SMALL),
    "small_beauty": (_l("小美容洗浴"), SMALL),
    "small_workshop": (_l("小作坊"), SMALL),
    "small_clinic": (_l("小医疗"), SMALL),
    "small_school": (_l("小学校/幼儿园"), SMALL),
    "toilet": (_l("公厕"), FACILITIES),
    "refuse_point": (_l("垃圾收集点"), FACILITIES),
    "service_room": (_l("便民服务室"), FACILITIES),
    "street_light": (_l("路灯"), FACILITIES),
    "facility_other": (_l("其他设施"), FACILITIES),
}

#: Months between inspections where a town has not chosen: the nine small places and public
#: facilities monthly, units quarterly (the township plans).
DEFAULT_MONTHS = {UNITS: 3, SMALL: 1, FACILITIES: 1}

#: The checklist of each group: item key -> what the inspector checks. Keys are stored with the
#: results, so an item is renamed here, never re-keyed.
CHECKLISTS = {
    SMALL: {
        "extinguishers": _l("灭火器配备且在有效期内"),
        "exits": _l("安全出口和疏散通道畅通"),
        "wiring": _l("电气线路无私拉乱接"),
        "gas": _l("燃气使用规范"),
        "three_in_one": _l("无“三合一”住人"),
        "licences": _l("证照齐全并公示"),
        "training": _l("从业人员安全培训"),
        "emergency_lights": _l("应急照明和疏散指示完好"),
    },
    UNITS: {
        "responsibility": _l("安全生产责任制落实"),
        "extinguishers": _l("消防设施器材完好有效"),
        "exits": _l("安全出口和疏散通道畅通"),
        "wiring": _l("电气线路和设备安全"),
        "hazardous": _l("危险品储存使用规范"),
        "licences": _l("证照齐全有效"),
        "training": _l("员工安全培训和应急演练"),
        "ledger": _l("隐患排查台账完整"),
    },
    FACILITIES: {
        "intact": _l("设施完好"),
        "clean": _l("清洁卫生"),
        "lighting": _l("照明正常"),
        "signs": _l("标识清楚"),
        "safety": _l("无安全隐患(漏电、破损、塌陷)"),
        "upkeep": _l("有人管护"),
    },
}

#: An item's answer on the inspection form.
PASS, FAIL, NA = "pass", "fail", "na"
RESULTS = {PASS: _l("合格"), FAIL: _l("不合格"), NA: _l("不适用")}


def group_of(kind: str) -> str:
    return KINDS[kind][1]


def kind_label(kind: str) -> str:
    return str(KINDS[kind][0]) if kind in KINDS else kind


def kinds_of(group: str) -> list[str]:
    return [kind for kind, (_label, g) in KINDS.items() if g == group]


def checklist(kind: str) -> dict:
    return CHECKLISTS[group_of(kind)]


def item_label(kind: str, item: str) -> str:
    """An item's label (a key no longer in the list is shown as it was stored)."""
    return str(CHECKLISTS[group_of(kind)].get(item, item)) if kind in KINDS else item
