"""Mutual-aid pages: recording a group's help, and raising what it could not solve as a
case."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.forms import choices
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import load_scoped
from portal.timeutil import local_today
from portal.web import REFUSED, commit, rollback, submit_form

from . import services
from .forms import HelpForm
from .models import MutualAidGroup, MutualAidHelp


@requires("mutual_aid.record")
def help_new(group_id):
    group_ = load_scoped(MutualAidGroup, group_id)
    residents = services.member_residents(group_)
    form = HelpForm(happened_on=local_today())
    form.asked_by.choices = choices([(0, _("(不指定)"))] + [(r.id, r.name) for r in residents])

    def save():
        by_id = {r.id: r for r in residents}
        chosen = set(form.helpers.data or ())
        if any(i not in by_id for i in chosen):
            raise DomainError(_("帮助人须是本组住户的成员。"), field="helpers")
        return services.record_help(
            group_, kind=form.kind.data, happened_on=form.happened_on.data,
            description=form.description.data, asked_by=by_id.get(form.asked_by.data),
            helpers=[by_id[i] for i in sorted(chosen)], outcome=form.outcome.data or None,
            solved=form.solved.data, actor=current_user)

    return submit_form(
        form, save, done=_("已记录。"),
        then=lambda item: url_for("mutual_aid.help_page", help_id=item.id),
        page=lambda: render("mutual_aid/help_form.html", form=form, group=group_,
                            residents=residents,
                            chosen=set(form.helpers.data or ()), scope=group_.grid))


@requires("mutual_aid.view")
def help_page(help_id):
    item = load_scoped(MutualAidHelp, help_id)
    if request.method == "POST":
        if not can(current_user, "mutual_aid.record", item):
            abort(403)
        try:
            case = services.escalate(item, current_user)
            commit()
            flash(_("已上报为事件 %(n)s。", n=case.number), "success")
        except DomainError as error:
            rollback()
            flash(str(error), "error")
            return render("mutual_aid/help.html", help=item, scope=item.group.grid), REFUSED
        return redirect(url_for("mutual_aid.help_page", help_id=item.id))
    return render("mutual_aid/help.html", help=item, scope=item.group.grid)
