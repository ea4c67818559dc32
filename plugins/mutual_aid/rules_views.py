"""Mutual-aid pages: a town's rules for its groups (size, points per help)."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.blueprint import chosen_town
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

from . import services
from .forms import RulesForm


@requires("mutual_aid.settings")
def rules():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = RulesForm(data=services.rules(town))
    return submit_form(
        form, lambda: services.set_rules(town, min_households=form.min_households.data,
                                         max_households=form.max_households.data,
                                         points_per_help=form.points_per_help.data,
                                         actor=current_user),
        done=_("已保存。"), then=url_for("mutual_aid.rules", town=town.code),
        page=lambda: render("mutual_aid/rules.html", form=form, town=town, towns=towns))
