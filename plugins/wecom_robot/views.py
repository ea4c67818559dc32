"""The group robots of the grids and villages in one's scope: the list with the form adding one,
a robot's page (its key shown masked; left empty it is kept) and its removal."""
from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.forms import choices
from portal.grids.models import Grid
from portal.grids.services import grids_in
from portal.notifications.events import all_events
from portal.permissions import requires
from portal.rendering import render
from portal.tenancy import in_subtree_where_on, load_scoped
from portal.web import run_action, submit_form

from . import services
from .forms import RobotForm
from .models import WecomRobotRobot

bp = Blueprint("wecom_robot", __name__, url_prefix="/wecom-robots", template_folder="templates")


def _form(robot=None) -> RobotForm:
    form = RobotForm(obj=robot, data=None if robot else {"events": ["case_supervised",
                                                                     "emergency"]})
    if robot is not None and not form.is_submitted():
        form.events.data = robot.event_list
    places = db.session.scalars(grids_in(current_user.scope).where(
        Grid.level.in_(services.LEVELS),
        in_subtree_where_on("wecom_robot", current_user.scope))).all()
    form.grid.choices = choices([(g.id, g.name) for g in places])
    form.events.choices = [(code, str(label)) for code, label in all_events().items()]
    return form


@bp.route("/", methods=["GET", "POST"])
@requires("wecom_robot.manage")
def index():
    form = _form()

    def save():
        return services.create(load_scoped(Grid, form.grid.data), name=form.name.data,
                               key=form.key.data, events=form.events.data, actor=current_user)

    def page():
        robots = db.session.scalars(
            db.select(WecomRobotRobot).join(WecomRobotRobot.grid)
            .where(in_subtree_where_on("wecom_robot", current_user.scope))
            .order_by(Grid.code, WecomRobotRobot.id)).all()
        return render("wecom_robot/index.html", form=form, robots=robots, events=all_events())

    return submit_form(form, save, done=_("已添加群机器人。"),
                       then=url_for("wecom_robot.index"), page=page)


@bp.route("/<int:robot_id>", methods=["GET", "POST"])
@requires("wecom_robot.manage")
def edit(robot_id):
    robot = load_scoped(WecomRobotRobot, robot_id)
    form = _form(robot)
    form.grid.data = robot.grid_id  # the place is not changed here: remove and add instead
    if not form.is_submitted():
        form.key.data = ""

    def save():
        return services.update(robot, name=form.name.data, key=form.key.data,
                               events=form.events.data, active=form.active.data,
                               actor=current_user)

    return submit_form(form, save, done=_("群机器人已保存。"), then=url_for("wecom_robot.index"),
                       page=lambda: render("wecom_robot/edit.html", form=form, robot=robot))


@bp.route("/<int:robot_id>/delete", methods=["POST"])
@requires("wecom_robot.manage")
def delete(robot_id):
    robot = load_scoped(WecomRobotRobot, robot_id)
    return run_action(lambda: services.delete(robot, current_user), done=_("已删除群机器人。"),
                      then=url_for("wecom_robot.index"))
