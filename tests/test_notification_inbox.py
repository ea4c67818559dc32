"""The in-portal inbox: the bell's count, the list, opening a message (read, then its link, a
local one only) and 全部已读; another person's message is a 404."""
from sqlalchemy import event as sa_event

from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.outbox import notify


def _tell(user, key, *, link="/cases/", subject="事件分派给您"):
    notify("case_assigned", key, subject=subject, body="城西路路灯不亮", link=link, users=[user])
    db.session.commit()
    return db.session.scalar(db.select(Notification).where(
        Notification.user_id == user.id, Notification.channel == "inbox",
        Notification.key.startswith(key + "|")))


def test_the_bell_counts_unread_messages_and_the_inbox_lists_them_newest_first(client, tree):
    worker = tree.users["grid_worker"]
    _tell(worker, "t:1", subject="第一条")
    _tell(worker, "t:2", subject="第二条")
    _tell(tree.users["town_admin"], "t:3", subject="别人的")
    client.login("grid_worker")
    home = client.get("/").get_data(as_text=True)
    assert 'class="bell-count">2<' in home
    page = client.get("/inbox/").get_data(as_text=True)
    assert page.index("第二条") < page.index("第一条")
    assert "别人的" not in page and "全部已读" in page


def test_the_bell_is_one_count_per_page(app, client, tree):
    _tell(tree.users["grid_worker"], "t:1")
    client.login("grid_worker")
    counts = []

    def watch(conn, cursor, statement, *args):
        if "FROM notifications" in statement and "count(" in statement.lower():
            counts.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", watch)
    try:
        client.get("/inbox/")
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", watch)
    assert len(counts) == 1


def test_opening_a_message_marks_it_read_and_follows_its_local_link(client, tree):
    row = _tell(tree.users["grid_worker"], "t:1", link="/cases/?state=open")
    client.login("grid_worker")
    response = client.get(f"/inbox/{row.id}")
    assert response.status_code == 302 and response.location.endswith("/cases/?state=open")
    db.session.refresh(row)
    assert row.read_at is not None
    assert 'class="bell-count"' not in client.get("/").get_data(as_text=True)


def test_a_foreign_link_is_never_followed(client, tree):
    row = _tell(tree.users["grid_worker"], "t:1", link="https://evil.example/")
    evil = _tell(tree.users["grid_worker"], "t:2", link="//evil.example/x")
    client.login("grid_worker")
    for message in (row, evil):
        response = client.get(f"/inbox/{message.id}")
        assert response.status_code == 302 and response.location.endswith("/inbox/")


def test_another_persons_message_is_a_404_and_stays_unread(client, tree):
    row = _tell(tree.users["town_admin"], "t:1")
    client.login("grid_worker")
    assert client.get(f"/inbox/{row.id}").status_code == 404
    db.session.refresh(row)
    assert row.read_at is None


def test_all_read_marks_only_ones_own_messages(client, tree):
    mine = [_tell(tree.users["grid_worker"], f"t:{n}") for n in range(3)]
    theirs = _tell(tree.users["town_admin"], "t:9")
    client.login("grid_worker")
    response = client.post("/inbox/read")
    assert response.status_code == 303
    for row in (*mine, theirs):
        db.session.refresh(row)
    assert all(row.read_at is not None for row in mine)
    assert theirs.read_at is None
    assert "已将3条消息标为已读" in client.get("/inbox/").get_data(as_text=True)


def test_all_read_needs_the_csrf_token(client, tree):
    client.login("grid_worker")
    assert client.post("/inbox/read", csrf=False).status_code == 400
