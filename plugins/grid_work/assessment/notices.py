"""What the assessment tells the workers: an appeal decided (to its worker) and a scheme
published (to each worker scored). Written in the same transaction as the change, in each
reader's language; the key names the appeal or the scheme, so nothing is told twice."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.writing import Composed, notify_each_language, site_path

APPEAL_DECIDED = "grid_work_appeal_decided"
SCORE_PUBLISHED = "grid_work_score_published"


def appeal_decided(appeal) -> int:
    item = appeal.item
    scheme = item.scheme

    def compose() -> Composed:
        if appeal.state == "upheld":
            subject = _("您对“%(item)s”的申诉已获支持", item=item.label)
        else:
            subject = _("您对“%(item)s”的申诉已被驳回", item=item.label)
        body = subject + (_("：%(note)s", note=appeal.decision_note)
                          if appeal.decision_note else _("。"))
        return subject, body, {"item": item.label, "title": scheme.title}

    return notify_each_language(
        APPEAL_DECIDED, f"{APPEAL_DECIDED}:{appeal.id}", compose, users=[appeal.worker],
        link=site_path("grid_work_assessment.me", scheme_id=scheme.id), town=scheme.town)


def published(scheme, worker_ids) -> int:
    workers = list(db.session.scalars(select(User).where(User.id.in_(list(worker_ids)))))

    def compose() -> Composed:
        subject = _("%(title)s 已发布", title=scheme.title)
        return (subject, _("您的考核得分和补贴已发布，可在“考核”中查看明细。"),
                {"title": scheme.title})

    return notify_each_language(
        SCORE_PUBLISHED, f"{SCORE_PUBLISHED}:{scheme.id}", compose, users=workers,
        link=site_path("grid_work_assessment.me", scheme_id=scheme.id), town=scheme.town)
