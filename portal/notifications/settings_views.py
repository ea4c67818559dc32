"""One's own notification choices (/me/notifications): per event the channels to be told on,
and quiet hours. Every logged-in user has the page; it changes only their own row."""
from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.notifications.channels import INBOX, has_address, personal_channels
from portal.notifications.events import all_events
from portal.notifications.preferences import chosen, save_choices, setting_of
from portal.rendering import render
from portal.web import submit_form

bp = Blueprint("my_notifications", __name__, url_prefix="/me")


class QuietHoursForm(FlaskForm):
    # checked by the service (portal.notifications.preferences), which says what is wrong
    # next to the field; the browser's time picker gives HH:MM
    quiet_from = StringField(_l("免打扰开始"), render_kw={"type": "time"})
    quiet_to = StringField(_l("免打扰结束"), render_kw={"type": "time"})


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    user = current_user._get_current_object()
    setting = setting_of(user.id)
    form = QuietHoursForm(data={"quiet_from": setting.quiet_from if setting else None,
                                "quiet_to": setting.quiet_to if setting else None})
    events = all_events()
    channels = personal_channels()
    reachable = {name for name, channel in channels.items() if has_address(channel, user)}

    def save():
        choices = {}
        for event in events:
            ticked = set(request.form.getlist(f"c-{event}"))
            # a channel without an address is drawn disabled and never sent: keep what was
            # chosen there, so adding a phone number later brings the choice back
            kept = {name for name in chosen(user, event) if name not in reachable}
            choices[event] = sorted((ticked & reachable) | kept)
        return save_choices(user, choices, form.quiet_from.data, form.quiet_to.data)

    def page():
        picked = {event: set(chosen(user, event)) for event in events}
        return render("notifications/settings.html", form=form, events=events,
                      channels=channels, reachable=reachable, picked=picked, inbox=INBOX.name)

    return submit_form(form, save, done=_("通知设置已保存。"),
                       then=url_for("my_notifications.notifications"), page=page)
