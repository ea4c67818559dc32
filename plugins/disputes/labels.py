"""What the pages call the kinds, risk levels, states and actions of a dispute."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"family": _l("婚姻家庭"), "neighbour": _l("邻里纠纷"), "land": _l("土地山林"),
               "demolition": _l("征地拆迁"), "labour": _l("劳动争议"), "contract": _l("合同债务"),
               "other": _l("其他")}
RISK_LABELS = {"red": _l("红色"), "yellow": _l("黄色"), "green": _l("绿色")}
STATE_LABELS = {"grid": _l("驻片调处"), "village": _l("两委会商"), "reported": _l("书面上报待交办"),
                "town": _l("归口办理"), "joint": _l("联合调处"), "agreed": _l("已达成协议，回访中"),
                "closed": _l("已结案")}
OUTCOME_LABELS = {"agreed": _l("调解成功"), "terminated": _l("调解不成，已引导依法解决")}
ACTION_LABELS = {"register": _l("登记"), "note": _l("记录调处情况"), "to_village": _l("提交两委会商"),
                 "report": _l("书面上报镇综治办"), "assign": _l("归口交办"),
                 "joint": _l("组织联合调处"), "agree": _l("达成调解协议"),
                 "terminate": _l("终止调解"), "close": _l("结案"),
                 "reopen": _l("协议未履行，重新调处"), "to_case": _l("转为事件")}
SIDE_LABELS = {"a": _l("申请方"), "b": _l("被申请方")}
