"""What the audit log shows a person: a name for each action code, record type and detail field.

An entry stores codes (``grid.move``, ``Household``, ``{"old_grid": …}``) so that it reads the
same whatever the language of whoever wrote it; the log page names them in the reader's language.
The core's names are here; a plugin names its own through the ``audit_labels`` hook
(portal.hookspecs). tests/test_audit_labels.py checks that every action the code records, every
record type and every detail field has a name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.i18n import colon, comma

ACTIONS = {
    "user.create": _l("新建用户"), "user.update": _l("修改用户"), "user.login": _l("登录"),
    "user.login_locked": _l("登录失败次数过多，账号锁定"), "user.password_change": _l("修改密码"),
    "user.unlock": _l("解除登录锁定"),
    "grid.create": _l("新建网格"), "grid.update": _l("修改网格"), "grid.move": _l("调整上级网格"),
    "grid.retire": _l("撤销网格"), "grid.restore": _l("恢复网格"),
    "grid.staff_save": _l("保存网格人员"), "grid.staff_end": _l("网格人员离任"),
    "map.draw": _l("绘制网格边界"), "map.import": _l("导入网格边界"), "map.remove": _l("删除网格边界"),
    "household.create": _l("登记住户"), "household.update": _l("修改住户"),
    "household.move": _l("住户迁入本网格"), "household.move_out": _l("住户迁出"),
    "household.leave": _l("住户注销"),
    "household.change_head": _l("更换户主"),
    "resident.create": _l("登记居民"), "resident.update": _l("修改居民信息"),
    "resident.move": _l("居民转到另一户"), "resident.leave": _l("居民注销"),
    "resident.view_sensitive": _l("查看完整身份证号和手机号"),
    "resident.search_number": _l("按号码查找居民"),
    "resident.search_number_limited": _l("按号码查找过于频繁，被拒绝"),
    "resident.search_number_miss": _l("按完整号码查找，未找到"),
    "keyperson.create": _l("列入重点人员"), "keyperson.close": _l("重点人员解除"),
    "keyperson.view": _l("查看重点人员"), "keyperson.view_list": _l("查看重点人员名单"),
    "documents.print": _l("打印文书"), "documents.batch": _l("批量生成文书"),
    "documents.download": _l("下载批量文书"),
    "visit.create": _l("记录走访"),
    "people.import": _l("导入人口"), "people.export_unmasked": _l("导出未遮盖号码的人口表"),
    "case.supervise": _l("事件督办"),
    "case.approval_accept": _l("审批受理"), "case.approval_review": _l("审批审核"),
    "case.approval_approve": _l("审批批准"), "case.approval_return": _l("审批退回"),
    "case.consult_schedule": _l("安排会商"), "case.consult_minutes": _l("记录会商纪要"),
    "case.lead": _l("确定包案领导"), "case.deadlines_recounted": _l("按新日历重算事件期限"),
    "case.place": _l("事件放入网格"),
    "case.callback": _l("回访报告人"),
    "settings.cases": _l("修改事件设置"), "settings.visit_days": _l("修改走访周期"),
    "settings.grid_size": _l("修改网格规模标准"),
    "settings.staff_posts": _l("修改网格岗位"),
    "grid.representative_link": _l("居民代表联户"),
    "grid.representative_unlink": _l("解除联户"),
    "settings.required_fields": _l("修改必填信息"),
    "settings.template_import": _l("导入样板间设置"),
    "calendar.set_year": _l("设置全年工作日历"),
    "module.enable": _l("开启模块"), "module.disable": _l("关闭模块"),
    "open311.key_issue": _l("生成 Open311 密钥"), "open311.key_revoke": _l("停用 Open311 密钥"),
    "department.create": _l("新建部门"), "department.update": _l("修改部门"),
    # the admins' outbox (portal.notifications.outbox_views)
    "notification.retry": _l("重试发送通知"), "settings.digest_time": _l("修改每日待办推送时间"),
}

OBJECTS = {
    "User": _l("用户"), "Grid": _l("网格"), "GridStaff": _l("网格人员"),
    "GridBoundary": _l("网格边界"), "Household": _l("住户"), "House": _l("房屋"),
    "Resident": _l("居民"), "ResidentCare": _l("关爱类别"), "KeyPerson": _l("重点人员"),
    "DocumentBatch": _l("批量文书"), "RepresentativeHousehold": _l("联户"),
    "Visit": _l("走访"), "VisitPhoto": _l("走访照片"), "Case": _l("事件"),
    "CaseEvent": _l("事件过程"), "CasePhoto": _l("事件照片"), "ResponseTemplate": _l("回复模板"),
    "SupervisionNotice": _l("督办单"), "ApiKey": _l("Open311 密钥"),
    "CalendarDay": _l("日历日"), "CalendarYear": _l("日历年"), "TownModule": _l("模块开关"),
    "TownSetting": _l("镇设置"), "AuditEntry": _l("审计记录"), "LoginAttempt": _l("登录尝试"),
    "LoginLockout": _l("登录锁定"), "ApprovalStep": _l("审批步骤"), "Consultation": _l("会商"),
    "Department": _l("部门"), "CaseAssist": _l("协办"), "DepartmentReturn": _l("部门退回"),
    "CaseMeToo": _l("我也遇到"), "CaseCallback": _l("回访"),
    "CaseMonth": _l("事件月统计"), "RolledMonth": _l("已结转月份"),
    "Notification": _l("通知"), "NotificationSetting": _l("通知设置"),
}

FIELDS = {
    "department": _l("所属部门"),
    "changes": _l("改动"), "old": _l("原值"), "new": _l("新值"), "before": _l("原值"),
    "name": _l("名称"), "title": _l("标题"), "label": _l("用途"), "note": _l("说明"),
    "reason": _l("原因"), "number": _l("编号"), "code": _l("编码"), "old_code": _l("原编码"),
    "new_code": _l("新编码"), "level": _l("层级"), "grid": _l("网格"), "grids": _l("网格"),
    "old_grid": _l("原网格"), "nodes": _l("网格数"), "address": _l("住址"),
    "building": _l("楼栋"), "colour": _l("关注颜色"), "household": _l("住户"),
    "old_household": _l("原住户"), "new_household": _l("新住户"), "resident": _l("居民"),
    "relation": _l("与户主关系"), "id_number": _l("身份证号"), "phone": _l("手机号"),
    "email": _l("电子邮箱"), "residence": _l("户籍情况"), "party_member": _l("党员"),
    "care": _l("关爱类别"), "username": _l("用户名"), "display_name": _l("显示名"),
    "role": _l("角色"), "scope": _l("管理范围"), "active": _l("启用"), "password": _l("密码"),
    "sessions": _l("登录会话"), "locale": _l("语言"), "lockouts": _l("解除的锁定"),
    "post": _l("岗位"), "duties": _l("职责"), "category": _l("类别"),
    "categories": _l("类别"), "kind": _l("种类"), "pdf": _l("PDF"), "case": _l("事件"), "module": _l("模块"),
    "year": _l("年份"), "holidays": _l("节假日"), "workdays": _l("调休上班日"),
    "deadlines": _l("办理时限"), "open311_public": _l("Open311 公开的类别"),
    "value": _l("值"), "count": _l("数量"), "total": _l("合计"), "rows": _l("行数"),
    "page": _l("页"), "query": _l("查找内容"), "matches": _l("找到"), "whole": _l("完整号码"),
    "households_created": _l("新增住户"), "households_updated": _l("更新住户"),
    "residents_created": _l("新增居民"), "residents_updated": _l("更新居民"),
    "refused": _l("未导入"), "period": _l("期间"), "features": _l("要素数"),
    "new_head": _l("新户主"), "new_head_name": _l("新户主姓名"),
    "new_head_was": _l("新户主原与户主关系"), "old_head": _l("原户主"),
    "old_head_name": _l("原户主姓名"), "old_head_now": _l("原户主现与户主关系"),
    "step": _l("环节"), "episode": _l("第几轮办理"), "years": _l("年份"), "after": _l("新值"),
    "warning_before": _l("原提示"), "warning_after": _l("新提示"),
    "cases_recounted": _l("重算期限的事件"),
    # a call-back (回访) and the town's call-back rule
    "outcome": _l("回访结果"), "satisfaction": _l("满意度"), "attempt": _l("第几次回访"),
    "callback_days": _l("结案后几天转入回访"),
    # a town template (样板间) imported: the parts it changed, the town it came from
    "parts": _l("改动的部分"), "template_town": _l("样板来自"),
    "parts_skipped": _l("跳过的部分"), "changes_count": _l("改动条数"),
    # a notification retried (its event, channel and state before) and the digest time
    "event": _l("事项"), "channel": _l("通道"), "state": _l("原状态"), "time": _l("时间"),
}

#: Stored values that are words rather than data.
VALUES = {"reset": _l("已重置"), "ended": _l("已结束"),
          # the steps of a case's deadlines (13710)
          "assign": _l("交办"), "feedback": _l("反馈"), "resolve": _l("办结"),
          # the steps of an approval case
          "accept": _l("受理"), "review": _l("审核"), "approve": _l("批准"),
          # the outcomes of a call-back (回访)
          "answered": _l("已接通"), "no_answer": _l("未接通"), "unreachable": _l("联系不上")}


@dataclass
class Labels:
    actions: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)

    def action(self, code: str) -> Any:
        return self.actions.get(code, code)

    def object(self, type_name: str | None) -> Any:
        return self.objects.get(type_name, type_name) if type_name else ""

    def field(self, key: str) -> Any:
        return self.fields.get(key, key)


def labels() -> Labels:
    """The core's names and those of every loaded plugin (switched on or not: the log keeps what a
    module did while it was on)."""
    from portal.plugins import host

    found = Labels(dict(ACTIONS), dict(OBJECTS), dict(FIELDS))
    for answer in host().pm.hook.audit_labels():
        for part in ("actions", "objects", "fields"):
            getattr(found, part).update((answer or {}).get(part, {}))
    return found


def value_text(value: Any) -> str:
    """A stored value as a person reads it (a list of two under ``changes``: old → new)."""
    from flask_babel import gettext as _

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return comma().join(value_text(item) for item in value)
    if isinstance(value, dict):
        return comma().join(f"{key}{colon()}{value_text(item)}" for key, item in value.items())
    return str(VALUES.get(value, value)) if isinstance(value, str) else str(value)


def detail_rows(detail: str | None, names: Labels) -> list[tuple[str, str]]:
    """(field, value) of an entry's JSON details, nested ones flattened (``改动`` of a grid lists
    each field changed, old → new)."""
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except ValueError:
        return [("", detail)]
    if not isinstance(data, dict):
        return [("", value_text(data))]
    rows = []
    for key, value in data.items():
        if key in ("changes", "changed") and isinstance(value, dict):
            for name, change in value.items():
                if isinstance(change, list) and len(change) == 2:
                    text = f"{value_text(change[0])} → {value_text(change[1])}"
                else:
                    text = value_text(change)
                rows.append((str(names.field(name)), text))
        elif isinstance(value, dict):
            text = comma().join(f"{names.field(k)}{colon()}{value_text(v)}" for k, v in value.items())
            rows.append((str(names.field(key)), text))
        else:
            rows.append((str(names.field(key)), value_text(value)))
    return rows
