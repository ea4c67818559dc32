"""The installable web app and its offline pages.

The service worker is served from the root (``/sw.js``), so that its scope is the whole portal,
never cached by the browser's HTTP cache (a new version reaches phones at their next visit). Its
shell list and version come from here: the version is a digest of the files it keeps, so a
deployment that changes them replaces the phones' copies.
"""
import hashlib
import hmac
from functools import lru_cache
from pathlib import Path

from flask import (Blueprint, current_app, jsonify, make_response, render_template, request,
                   url_for)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, VILLAGE, Grid
from portal.people.forms import VisitForm
from portal.people.masking import mask_id, mask_phone
from portal.people.models import Household
from portal.permissions import can, requires
from portal.rendering import render
from portal.tenancy import in_subtree

pwa = Blueprint("pwa", __name__)
bp = Blueprint("offline", __name__, url_prefix="/offline")

#: How long a phone keeps the task list and the household list (the service worker deletes older
#: copies rather than show them): a week covers a trip through a valley without signal, and a
#: lost phone stops showing the names after it.
KEEP_DAYS = 7
#: The theme colour of the top bar (static/css/portal.css, --red): the phone's status bar.
THEME = "#c0392b"
#: Above a village the register is too big to carry: the household list is for those who walk.
CARRIED_LEVELS = (GRID, SPECIAL, VILLAGE)
#: Files the service worker keeps so that a page opens without signal (static/).
SHELL_FILES = ("css/portal.css", "js/portal.js", "js/offline.js", "js/offline-store.js",
               "js/photos.js", "js/geo.js", "vendor/htmx/htmx.min.js",
               "vendor/exifr/lite.umd.js", "favicon.svg", "icons/icon-192.png",
               "icons/icon-512.png", "icons/icon-maskable-512.png")
#: The pages a grid worker's phone keeps (network first; the copy when there is no signal).
KEPT_PAGES = ("home.index", "offline.households", "offline.visit_form", "cases.new",
              "offline.queue")


def offline_mode(user) -> str:
    """'' for visitors and residents (no service worker), 'shell' for staff (the app shell and
    the queue), 'grid' for grid-level staff who record visits (their pages kept too)."""
    if not user.is_authenticated or user.role == "resident":
        return ""
    if can(user, "visits.record") and user.scope.level in (GRID, SPECIAL):
        return "grid"
    return "shell"


def offline_owner(user) -> str:
    """Whose copies the phone holds, opaque: when another user logs in on the same phone, the
    page sees a different owner and wipes the caches and the queue before anything is kept."""
    if not user.is_authenticated:
        return ""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"offline-owner:{user.id}".encode(), hashlib.sha256).hexdigest()[:24]


@bp.app_context_processor
def offline_context():
    return {"offline_mode": offline_mode(current_user), "offline_owner": offline_owner(current_user),
            "offline_theme": THEME}


@lru_cache(maxsize=4)
def _worker_source(static_folder: str) -> tuple[str, str]:
    root = Path(static_folder)
    digest = hashlib.sha256()
    source = (root / "js" / "sw.js").read_text(encoding="utf-8")
    digest.update(source.encode())
    for name in SHELL_FILES:
        digest.update((root / name).read_bytes())
    return source, digest.hexdigest()[:12]


@pwa.route("/sw.js")
def service_worker():
    import json

    source, version = _worker_source(current_app.static_folder or "")
    shell = [url_for("static", filename=name) for name in SHELL_FILES]
    shell += [url_for("offline.fallback"), url_for("pwa.manifest")]
    pages = [url_for(endpoint) for endpoint in KEPT_PAGES]
    body = (source.replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
            .replace("__PAGES__", json.dumps(pages)).replace("__KEEP_DAYS__", str(KEEP_DAYS))
            .replace("__FALLBACK__", json.dumps(url_for("offline.fallback")))
            .replace("__VISIT_FORM__", json.dumps(url_for("offline.visit_form")))
            .replace("__QUEUE__", json.dumps(url_for("offline.queue")))
            .replace("__CASE_FORM__", json.dumps(url_for("cases.new")))
            .replace("__CSRF__", json.dumps(url_for("offline.csrf"))))
    response = make_response(body)
    response.headers["Content-Type"] = "application/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@pwa.route("/manifest.webmanifest")
def manifest():
    icon = lambda name, size, **extra: {  # noqa: E731
        "src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
        "type": "image/png", **extra}
    response = jsonify({
        "name": "网格通", "short_name": "网格通", "lang": "zh-CN",
        "description": "网格化管理服务平台", "start_url": "/", "scope": "/",
        "display": "standalone", "theme_color": THEME, "background_color": "#f5f6f8",
        "icons": [icon("icon-192.png", 192), icon("icon-512.png", 512),
                  icon("icon-maskable-512.png", 512, purpose="maskable")]})
    response.headers["Content-Type"] = "application/manifest+json"
    return response


@bp.route("/")
def fallback():
    """What a page the phone has no copy of shows without signal: nothing of anyone's, so it is
    kept for everyone and served without a login."""
    return render_template("offline/fallback.html")


@bp.route("/csrf")
@login_required
def csrf():
    """A fresh CSRF token for the queue: the one in a page kept for hours may have expired."""
    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/queue")
@login_required
def queue():
    """The uploads waiting on this phone (drawn by static/js/offline.js from IndexedDB)."""
    return render("offline/queue.html")


def _carried_households(scope: Grid):
    if scope.level not in CARRIED_LEVELS:
        return None
    return db.session.scalars(
        select(Household).join(Grid, Grid.id == Household.grid_id)
        .where(in_subtree(Grid.code, scope), Household.moved_out_at.is_(None))
        .options(selectinload(Household.members), selectinload(Household.grid))
        .order_by(Grid.code, Household.address, Household.id)).all()


@bp.route("/households")
@requires("visits.record")
def households():
    """The user's grid's households for the phone to carry: names and addresses, ID numbers and
    phones masked (portal/people/masking.py) whatever the user may see, since the copy outlives
    the session on the phone."""
    rows = _carried_households(current_user.scope)
    return render("offline/households.html", households=rows, mask_id=mask_id,
                  mask_phone=mask_phone, keep_days=KEEP_DAYS)


@bp.route("/visit-form")
@requires("visits.record")
def visit_form():
    """One visit form for every household of the grid: what the phone shows for a household's
    visit page it has no copy of. Its queue sends the visit to the household's own form."""
    form = VisitForm()
    rows = _carried_households(current_user.scope) or []
    chosen = request.args.get("household", type=int)
    return render("offline/visit_form.html", form=form, households=rows, chosen=chosen)
