"""A case of the dispute category links to the dispute register: "register as a dispute" on the
case's page, or the dispute it became (and a dispute passed on as a case names it)."""
from flask import render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from portal.extensions import db
from portal.permissions import can

from .models import Dispute


def case_slot(case) -> Markup | None:
    if case is None or not can(current_user, "disputes.view"):
        return None
    linked = db.session.scalars(select(Dispute).where(
        or_(Dispute.source_case_id == case.id, Dispute.case_id == case.id))).first()
    if linked is None and (case.category != "dispute"
                           or not can(current_user, "disputes.report", case.grid)):
        return None
    new_url = url_for("disputes.new", case=case.id) if linked is None else None
    return Markup(render_template("disputes/_case_slot.html", dispute=linked, new_url=new_url))
