"""What every page shares: language choice, navigation, error pages, template helpers."""
from datetime import datetime

from flask import current_app, has_request_context, render_template, request, session, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from portal.extensions import db, login_manager
from portal.people.masking import mask_phone
from portal.plugins import MenuLink, host
from portal.tenancy import town_of
from portal.timeutil import to_local

CORE_MENU = (
    ("home.index", _l("首页"), None),
    ("dashboard.index", _l("指挥中心"), "dashboard.view"),
    ("cases.index", _l("事件"), "cases.view"),
    ("departments.inbox", _l("待办"), "cases.handle"),
    ("grids.index", _l("网格"), "grids.view"),
    ("people.index", _l("人口"), "people.view"),
    ("visits.due", _l("待走访"), "people.view"),
    ("keypersons.index", _l("重点人员"), "people.key_persons"),
    ("admin.users_list", _l("用户"), "users.manage"),
    ("departments.admin_list", _l("部门"), "settings.manage"),
    ("admin.modules_page", _l("功能模块"), "modules.manage"),
    ("admin.audit_log", _l("审计日志"), "audit.view"),
    ("outbox.index", _l("通知记录"), "audit.view"),
    ("admin.calendar", _l("工作日历"), "calendar.manage"),
)


def select_locale():
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@login_manager.user_loader
def load_user(session_id):
    # "<user id>:<session token>": a session whose token the user no longer has is refused
    from portal.auth.sessions import load_session_user

    return load_session_user(session_id)


def menu_for(user) -> list[MenuLink]:
    from portal.permissions import can

    links = [MenuLink(i * 10, str(label), url_for(endpoint))
             for i, (endpoint, label, perm) in enumerate(CORE_MENU)
             if perm is None or can(user, perm)]
    if can(user, "cases.report") and not can(user, "cases.view"):
        # a resident may not open the case list (403): their own cases are at /my/cases
        links.insert(1, MenuLink(15, str(_l("我的事件")), url_for("my_cases.index")))

    links += host().collect(user.scope, "menu_links", user=user, town=town_of(user.scope))
    return links


def _request_menu() -> list[MenuLink]:
    """The user's menu, made once per request: Flask runs this context processor for every
    template rendered, and a page with the modules' cards renders several (each menu asks every
    plugin and a dozen permissions). Switching a module forgets it with the rest of the
    request's cache (portal.tenancy.cache.forget_modules)."""
    from portal.tenancy.cache import request_cache

    kept = request_cache("main_menu")
    key = (current_user.id, current_user.role, current_user.scope_id)
    if key not in kept:
        kept[key] = menu_for(current_user)
    return kept[key]


def template_slot(name, **context):
    """Insert what the plugins that are on for this page's scope render at a named slot."""
    scope = context.get("scope") or (current_user.scope if current_user.is_authenticated else None)
    parts = host().hook(scope, "template_slot")(name=name, context=context)
    return Markup("").join(Markup(p) for p in parts if p)


def page_number() -> int:
    """The ``page`` query argument, 1 when missing or not a positive number; at most 100,000
    (a bigger one made an OFFSET no database takes: a 500)."""
    try:
        return min(100_000, max(1, int(request.args.get("page", 1))))
    except ValueError:
        return 1


def page_url(page: int) -> str:
    """This page's URL with its filters kept and another page number."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **args)


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"

    @app.context_processor
    def navigation():
        from portal.permissions import can, role_labels

        menu = _request_menu() if current_user.is_authenticated else []
        return {"main_menu": menu, "can": can, "ROLES": role_labels(), "template_slot": template_slot,
                "languages": app.config["LANGUAGES"], "get_locale": get_locale, "page_url": page_url}

    @app.template_filter("local_time")
    def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """Naive-UTC timestamps shown in the portal's time zone, which is what everyone reads."""
        return "" if value is None else to_local(value).strftime(fmt)

    # The one phone mask: the register's pages, exports and audit entries use the same.
    app.add_template_filter(mask_phone, "mask_phone")

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return render_template("errors.html", code=400, title=_l("请求有误"),
                               message=_l("页面已过期，请刷新后重试。")), 400

    for code, title in ((400, _l("请求有误")), (403, _l("没有权限")), (404, _l("页面不存在")),
                        (405, _l("请求方式不被允许")), (413, _l("上传的文件太大")),
                        (429, _l("尝试次数过多")), (500, _l("服务器出错了"))):
        app.register_error_handler(code, _error_page(code, title))


def _error_page(code, title):
    def handler(error):
        if code == 500:
            db.session.rollback()
        message = getattr(error, "description", "") if code in (400, 429) else ""
        if message == getattr(type(error), "description", None):
            message = ""  # Werkzeug's own English sentence: the title says it in the page's language
        return render_template("errors.html", code=code, title=title, message=message), code

    return handler
