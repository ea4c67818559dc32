"""One's own notification choices (/me/notifications): per event the channels to be told on,
and quiet hours. Every logged-in user has the page; it changes only their own row."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField

from portal.notifications.channels import INBOX, has_address, personal_channels
from portal.notifications.events import all_events
from portal.notifications.preferences import chosen, save_choices, setting_of
from portal.rendering import render
from portal.web import submit_form

bp = Blueprint("my_notifications", __name__, url_prefix="/me")


class ChoicesForm(FlaskForm):
    """The page's matrix: a ``c-<event>`` field per event (the channels ticked for it, drawn as
    the row's checkboxes by the template), and the quiet hours."""

    # checked by the service (portal.notifications.preferences), which says what is wrong
    # next to the field; the browser's time picker gives HH:MM
    quiet_from = StringField(_l("免打扰开始"), render_kw={"type": "time"})
    quiet_to = StringField(_l("免打扰结束"), render_kw={"type": "time"})

    @classmethod
    def over(cls, events: dict, reachable: set[str], **data) -> "ChoicesForm":
        # a channel outside ``reachable`` (a forged tick) is not refused but dropped by the
        # view: the page never offers it, so there is no field to say it beside
        fields = {f"c-{event}": SelectMultipleField(label, choices=sorted(reachable),
                                                    validate_choice=False)
                  for event, label in events.items()}
        return type("NotificationChoicesForm", (cls,), fields)(data=data)

    def ticked(self, event: str) -> set[str]:
        return set(self[f"c-{event}"].data or ())


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    user = current_user._get_current_object()
    setting = setting_of(user.id)
    events = all_events()
    channels = personal_channels()
    reachable = {name for name, channel in channels.items() if has_address(channel, user)}
    form = ChoicesForm.over(events, reachable,
                            quiet_from=setting.quiet_from if setting else None,
                            quiet_to=setting.quiet_to if setting else None)

    def save():
        choices = {}
        for event in events:
            ticked = form.ticked(event)
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
