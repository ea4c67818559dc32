"""The admin's view of the workers of their scope: this month's patrol days, the last patrol,
the days closed (日清) and not, with links to each worker's patrols and log."""
from flask_login import current_user

from portal.permissions import requires
from portal.rendering import render
from portal.timeutil import local_today

from .figures import worker_rows


@requires("grid_work.view")
def workers():
    today = local_today()
    return render("grid_work/patrols/workers.html", rows=worker_rows(current_user.scope, today),
                  today=today, scope=current_user.scope)
