"""A town's points rules (积分事项): what earns how many points, per resident category."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.errors import DomainError
from portal.extensions import db

from .models import PointsRule


def save_rule(rule: PointsRule, *, name: str, points: int, active: bool,
              category_points: dict, action: str) -> PointsRule:
    """Create or update a rule; a town's rules have distinct names."""
    taken = select(PointsRule.id).filter_by(town_id=rule.town_id, name=name)
    if rule.id is not None:
        taken = taken.where(PointsRule.id != rule.id)
    if db.session.scalar(taken) is not None:
        raise DomainError(_("本镇已有同名积分事项。"), "name")
    rule.name, rule.points, rule.active = name, points, active
    rule.category_points = category_points
    db.session.add(rule)
    db.session.flush()
    audit.record(action, rule, scope_code=rule.town.code, name=rule.name, points=rule.points,
                 category_points=rule.category_points, active=rule.active)
    return rule
