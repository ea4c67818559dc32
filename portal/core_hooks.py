"""The core's own hook implementations, registered like any plugin but never switched off."""
from portal.hookspecs import hookimpl
from portal.permissions import default_check_permission


@hookimpl(trylast=True)
def check_permission(user, action, obj):
    return default_check_permission(user, action, obj)


# The notifications about cases (portal.notifications.case_events) are written here because every
# path that reports or moves a case announces it through these hooks, inside its transaction;
# the core is always on, whatever a town switched off.


@hookimpl
def case_created(case, actor):
    from portal.notifications import case_events

    case_events.created(case, actor)


@hookimpl
def case_state_changed(case, old, new, action, actor):
    from portal.notifications import case_events

    case_events.state_changed(case, old, new, action, actor)
