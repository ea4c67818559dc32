"""The town's staff posts beyond 一长三员 (/grids/posts): the articles' posts it ticks and its own."""
from flask import Blueprint, abort, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField

from portal.forms import choices
from portal.grids.staff_posts import (BUILT_IN, MAX_LABEL, MAX_OWN, READY, parse_own,
                                      set_town_posts, town_posts)
from portal.permissions import requires
from portal.rendering import render
from portal.web import submit_form

bp = Blueprint("grid_posts", __name__, url_prefix="/grids/posts")


class PostsForm(FlaskForm):
    # validate_choice off: an unknown code gets the service's Chinese message beside the field
    ready = SelectMultipleField(_l("可选岗位"), choices=choices(READY.items()),
                                validate_choice=False)
    own = TextAreaField(_l("本镇自定义岗位"))


@bp.route("", methods=["GET", "POST"])
@requires("settings.manage")
def settings():
    """The town's list (a county admin chooses the town), as the visit rules are kept."""
    from portal.admin.blueprint import chosen_town

    town, towns = chosen_town()
    if town is None:
        abort(404)
    current = town_posts(town)
    form = PostsForm(data={
        "ready": [p["code"] for p in current if p["code"] in READY],
        "own": "\n".join(p["label"] for p in current if p["code"] not in READY)})
    return submit_form(
        form, lambda: set_town_posts(town, list(form.ready.data or []),
                                     parse_own(form.own.data), actor=current_user),
        done=_("已保存%(town)s的网格岗位。", town=town.name),
        then=url_for("grid_posts.settings", town=town.code),
        page=lambda: render("grids/posts.html", form=form, town=town, towns=towns,
                            built_in=BUILT_IN, ready=READY, max_own=MAX_OWN,
                            max_label=MAX_LABEL))
