"""Configuration: defaults in code, then instance/config.py, then environment variables.

The order matters: an operator's environment wins over the file a deployment ships, and a test's
explicit mapping wins over both.
"""
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask


class Defaults:
    #: "development" or "production". Production refuses to start without a secret key and
    #: sends cookies only over HTTPS.
    PORTAL_ENV = "development"
    SQLALCHEMY_DATABASE_URI = None  # filled in from the instance folder when left empty
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    BABEL_DEFAULT_LOCALE = "zh_CN"
    #: The portal's one time zone (portal.timeutil): every "today", every time shown, every
    #: local day a report counts. China Standard Time, UTC+8 all year.
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "portal_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    #: Failed logins allowed for one account from one client address inside the window; then
    #: that account is locked from that address (not from elsewhere, and not for the others
    #: at that address) for LOGIN_LOCKOUT_SECONDS.
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_LOCKOUT_SECONDS = 15 * 60
    #: Failed logins allowed from one address for all accounts together (and unknown names):
    #: far above one person's mistakes, so a shared office or kiosk is not locked by one user.
    LOGIN_ADDRESS_MAX_FAILURES = 50
    #: Each lockout of the same key within this time lasts twice as long as the one before...
    LOGIN_BACKOFF_MEMORY_SECONDS = 24 * 3600
    #: ...up to this.
    LOGIN_LOCKOUT_MAX_SECONDS = 24 * 3600
    #: Shortest password accepted anywhere (web forms, command line); letters and digits both.
    PASSWORD_MIN_LENGTH = 8

    #: Searches for residents by number (ID number or phone digits) one user may make in the
    #: window, by any role; counted from the audit log, so every worker process agrees.
    NUMBER_SEARCH_MAX_PER_WINDOW = 30
    NUMBER_SEARCH_WINDOW_SECONDS = 10 * 60
    #: Whole numbers matching nobody that a user without people.sensitive may search in the
    #: window: such misses are guesses at a masked number's hidden digits.
    NUMBER_SEARCH_MAX_MISSES = 10
    NUMBER_SEARCH_MISS_WINDOW_SECONDS = 24 * 3600

    #: werkzeug's hashing method; tests choose a cheap one, production keeps scrypt.
    PASSWORD_HASH_METHOD = "scrypt"

    #: A whole request. Phones with static/js/photos.js send each photo shrunk (about 0.5 MB);
    #: without it the originals come: a 12 MP phone photo is 3-8 MB, so six of them fit.
    #: werkzeug keeps file parts over 500 KB on disk, not in memory, while it reads the body.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    #: One photo as sent: what phones take (a 50 MP photo is up to about 20 MB).
    PHOTO_MAX_BYTES = 20 * 1024 * 1024
    #: Pixels (width × height, read from the header before decoding) a photo may have: a
    #: 40 MP PNG decodes to 120 MB; a JPEG counts at the reduced scale it is decoded at (a
    #: 50 MP or even 108 MP phone JPEG is decoded at 1/4 or 1/8 scale: about 3 MP).
    PHOTO_MAX_PIXELS = 40_000_000
    #: What is kept: the long edge in pixels and the JPEG quality. 1600 px at quality 80 is
    #: 200-500 KB, sharp on any phone or office screen with room to zoom into a crack or a
    #: house number, and readable printed at A5; the browser shrinks to the same size.
    PHOTO_MAX_SIDE = 1600
    PHOTO_QUALITY = 80
    #: Photos one request may carry (each is decoded in turn).
    PHOTO_MAX_COUNT = 6
    #: `portal uploads clean` removes photos no row names only when older than this (a photo is
    #: written just before the row naming it commits).
    UPLOAD_ORPHAN_GRACE_SECONDS = 24 * 3600

    #: Excel import ceilings, checked while reading: the file's size, the uncompressed size of
    #: the .xlsx (a zip) from its directory, and the sheet's rows (blank ones included).
    IMPORT_MAX_BYTES = 5 * 1024 * 1024
    IMPORT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
    IMPORT_MAX_ROWS = 50_000
    #: An uploaded file waiting for "import only the good rows" expires after this.
    IMPORT_PENDING_SECONDS = 3600

    #: Number of proxies in front of the portal whose X-Forwarded-For we trust.
    PROXY_COUNT = 0

    #: Import paths of plugins to register besides the built-in ones and entry points (tests use it).
    PLUGINS_EXTRA: list = []
    #: Look for third-party plugins in the ``portal.plugins`` entry-point group.
    PLUGINS_ENTRY_POINTS = True

    #: Map background tiles, e.g. "https://tiles.example.gov.cn/{z}/{x}/{y}.png". Unset, the grid
    #: map draws the boundaries on a plain background and needs no internet; set, the tile
    #: server's origin is added to the Content-Security-Policy's img-src.
    MAP_TILE_URL = None
    MAP_TILE_ATTRIBUTION = ""
    #: Seconds between refreshes of the command centre's wall screen.
    WALL_REFRESH_SECONDS = 60

    #: The portal's address as people outside it reach it, e.g. "https://grid.example.gov.cn":
    #: links in e-mails, SMS and group-robot messages (sent by the worker, which has no request
    #: to take the host from) and printed QR codes are made absolute with it.
    PUBLIC_BASE_URL = None

    #: E-mail notifications (portal.notifications.email): unset MAIL_SERVER and e-mail is no
    #: channel at all. MAIL_USE_TLS: STARTTLS on a plain connection (port 587); MAIL_USE_SSL:
    #: TLS from the start (port 465, what most Chinese mail services offer). MAIL_FROM is the
    #: sender, e.g. "网格通 <noreply@example.gov.cn>"; the password is best given in the
    #: environment (PORTAL_MAIL_PASSWORD).
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_FROM = "网格通 <noreply@localhost>"
    MAIL_TIMEOUT_SECONDS = 30

    #: SMS notifications (portal.notifications.sms): the provider sending them, one offered by
    #: a loaded plugin's ``sms_providers`` (e.g. "aliyun" from plugins.sms_aliyun). "log", the
    #: default, writes each SMS to the application log and sends nothing (development); empty
    #: switches SMS off.
    SMS_PROVIDER = "log"
    #: {event: template id}: the template approved by the SMS service for each event, e.g.
    #: {"case_assigned": "SMS_460775001"}; its parameters are the notification's params.
    SMS_TEMPLATES: dict = {}

    #: The background worker's queue (portal.worker): unset, a SQLite file in the instance
    #: folder (one machine: the web processes and `portal worker` share it); "redis://host:6379/0"
    #: for several machines; "memory" keeps tasks in the process and runs none (tests);
    #: "immediate" runs each task at once in the process that asks (development without a
    #: worker: periodic tasks then never run).
    QUEUE_URL = None
    #: Worker threads `portal worker` starts unless told otherwise.
    WORKER_THREADS = 2
    #: Attempts at a notification before it is given up (dead); retries wait 1, 2, 4 ...
    #: minutes (at most 6 hours) between them.
    NOTIFICATION_MAX_ATTEMPTS = 8
    #: How long a worker's claim on a notification lasts: a worker killed mid-delivery leaves
    #: its row to be claimed again after this. Longer than any channel's own timeout.
    NOTIFICATION_LEASE_SECONDS = 300
    #: Rows one delivery round sends at most (the next round, a minute later, goes on).
    NOTIFICATION_BATCH = 200


ENV_OVERRIDES = {
    "PORTAL_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "PORTAL_SECRET_KEY": "SECRET_KEY",
    "PORTAL_ENV": "PORTAL_ENV",
    "PORTAL_MAP_TILE_URL": "MAP_TILE_URL",
    "PORTAL_MAP_TILE_ATTRIBUTION": "MAP_TILE_ATTRIBUTION",
    "PORTAL_TIME_ZONE": "BABEL_DEFAULT_TIMEZONE",
    "PORTAL_QUEUE_URL": "QUEUE_URL",
    "PORTAL_PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "PORTAL_MAIL_SERVER": "MAIL_SERVER",
    "PORTAL_MAIL_PASSWORD": "MAIL_PASSWORD",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for env_name, key in ENV_OVERRIDES.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if os.environ.get("PORTAL_PROXY_COUNT"):
        app.config["PROXY_COUNT"] = int(os.environ["PORTAL_PROXY_COUNT"])
    if overrides:
        app.config.update(overrides)
    from portal.timeutil import zone_named

    zone_named(app.config["BABEL_DEFAULT_TIMEZONE"])  # a misspelt zone stops the start

    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"])

    production = app.config["PORTAL_ENV"] == "production"
    if not app.config.get("SECRET_KEY"):
        if production:
            raise RuntimeError(
                "PORTAL_SECRET_KEY is not set: a production portal refuses to start without a "
                "secret key (set it in the environment or in instance/config.py).")
        app.config["SECRET_KEY"] = _development_secret(instance)
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True


def normalise_database_url(url: str) -> str:
    # psycopg 3 is the only PostgreSQL driver we ship; plain postgresql:// URLs would ask for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart of `make run`."""
    path = instance / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        return key
