"""A town's inspection schedule: the months between inspections of each kind group and the
default days to rectify a hazard (town admins; a county admin picks the town)."""
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.blueprint import chosen_town
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

from . import town_settings
from .forms import SettingsForm


@requires("places.settings")
def settings():
    town, towns = chosen_town()
    if town is None:
        abort(404)
    form = SettingsForm(data=town_settings.values(town))
    return submit_form(
        form, lambda: town_settings.save(town, units_months=form.units_months.data,
                                         small_months=form.small_months.data,
                                         facilities_months=form.facilities_months.data,
                                         rectify_days=form.rectify_days.data, actor=current_user),
        done=_("已保存，各场所的下次巡查日期已按新周期重算。"),
        then=url_for("places.settings", town=town.code),
        page=lambda: render("places/settings.html", form=form, town=town, towns=towns))
