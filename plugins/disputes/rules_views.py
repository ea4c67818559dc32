"""Disputes pages: a town's rules (each step's deadline in working days, the screening's day,
the risk rules, the follow-up visits)."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.blueprint import chosen_town
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

from . import services
from .forms import RulesForm


@requires("disputes.settings")
def rules():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = RulesForm.of(services.rules(town))
    return submit_form(
        form, lambda: services.set_rules(town, form.value(), actor=current_user),
        done=_("已保存。"), then=url_for("disputes.rules", town=town.code),
        page=lambda: render("disputes/rules.html", form=form, town=town, towns=towns))
