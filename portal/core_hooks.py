"""The core's own hook implementations, registered like any plugin but never switched off."""
from portal.hookspecs import hookimpl
from portal.permissions import default_check_permission


@hookimpl(trylast=True)
def check_permission(user, action, obj):
    return default_check_permission(user, action, obj)
