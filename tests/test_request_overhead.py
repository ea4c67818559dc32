"""What every request pays before its own work: the logged-in user, their scope and town and
the modules switched on in their county come in one statement, and nothing a request decides
about modules outlives the request in a way a switch could leave stale: a module switched off
(by this process or another) is a 404 and out of the menus on the very next request."""
from flask import session
from flask_wtf import FlaskForm
from sqlalchemy import event, update
from wtforms import IntegerField

from portal.extensions import db
from portal.modules.models import TownModule


class Statements:
    def __init__(self):
        self.sql: list[str] = []

    def __enter__(self):
        db.session.expire_all()  # as a fresh request finds it
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        self.sql.append(" ".join(statement.split()))


def test_the_user_scope_town_and_switches_are_one_statement(client, example_on):
    client.login("grid_worker")  # below a town: the menus ask for the town too
    with Statements() as seen:
        assert client.get("/example/").status_code == 200
    users = [sql for sql in seen.sql if "FROM users" in sql]
    assert len(users) == 1, "\n".join(seen.sql)
    switches = [sql for sql in seen.sql if "town_modules" in sql]
    assert switches == users, "\n".join(seen.sql)  # read with the user, not asked again
    grids_alone = [sql for sql in seen.sql if sql.startswith("SELECT grids.") and
                   "FROM grids WHERE" in sql]
    assert grids_alone == [], "\n".join(grids_alone)  # scope and town came with the user


def switch_elsewhere(town, name: str, enabled: bool) -> None:
    """The switch as another worker process makes it: straight in the database, so nothing this
    process remembers is told."""
    with db.engine.begin() as connection:
        connection.execute(update(TownModule).where(TownModule.town_id == town.id,
                                                    TownModule.name == name)
                           .values(enabled=enabled))


def test_a_module_switched_off_by_another_process_is_gone_on_the_next_request(client,
                                                                              example_on):
    town_a = example_on.town_a
    client.login("grid_worker")
    assert client.get("/example/").status_code == 200
    assert 'href="/example/"' in client.get("/").get_data(as_text=True)  # its menu link

    switch_elsewhere(town_a, "example", False)
    assert client.get("/example/").status_code == 404
    assert 'href="/example/"' not in client.get("/").get_data(as_text=True)

    switch_elsewhere(town_a, "example", True)
    assert client.get("/example/").status_code == 200
    assert 'href="/example/"' in client.get("/").get_data(as_text=True)


def test_a_county_user_sees_a_module_while_any_town_has_it(client, example_on):
    client.login("county_admin")
    assert 'href="/example/"' in client.get("/").get_data(as_text=True)
    switch_elsewhere(example_on.town_a, "example", False)  # the only town that had it
    assert 'href="/example/"' not in client.get("/").get_data(as_text=True)


class AgeForm(FlaskForm):
    class Meta:
        csrf = False

    age = IntegerField()


def error_in(app, lang: str) -> str:
    # a context of its own: the test's outer one would keep the first request's language in g
    with app.app_context(), app.test_request_context("/", method="POST", data={"age": "many"}):
        session["lang"] = lang
        form = AgeForm()
        form.validate()
        return form.age.errors[0]


def test_wtforms_messages_follow_the_page_language(app):
    """WTForms' own messages come from a catalogue read once per process and language."""
    english = error_in(app, "en")
    assert english == "Not a valid integer value."
    assert error_in(app, "zh_CN") != english
    assert error_in(app, "en") == english


def test_the_switches_read_with_the_user_are_their_own_countys(client, tree):
    """Another county's town with the module on lends it to nobody here."""
    from portal.grids import services as grids
    from portal.modules.services import set_module

    other = grids.create_county("430626", "平江县")
    set_module(grids.create_grid(other, "town", "三市镇"), "example", True)
    db.session.commit()
    client.login("grid_worker")
    assert client.get("/example/").status_code == 404
    set_module(tree.town_a, "example", True)
    db.session.commit()
    assert client.get("/example/").status_code == 200


def test_the_menu_is_made_once_per_request_however_many_templates(app, example_on, monkeypatch):
    """Flask runs the context processors for every template rendered (a dashboard renders one
    per module card): the menu is made once, and again only after a module is switched."""
    from flask import render_template_string
    from flask_login import login_user

    import portal.ui as ui
    from portal.modules.services import set_module

    made = []
    real = ui.menu_for
    monkeypatch.setattr(ui, "menu_for", lambda user: made.append(user.id) or real(user))
    with app.test_request_context("/"):
        login_user(example_on.users["town_admin"])
        first = render_template_string("{% for l in main_menu %}{{ l.label }};{% endfor %}")
        assert render_template_string("{% for l in main_menu %}{{ l.label }};{% endfor %}") \
            == first
        assert len(made) == 1
        set_module(example_on.town_a, "example", False)
        second = render_template_string("{% for l in main_menu %}{{ l.label }};{% endfor %}")
        assert len(made) == 2 and second != first, "the switch is seen in the same request"
