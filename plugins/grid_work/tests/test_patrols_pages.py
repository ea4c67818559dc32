"""The patrol pages as requests: the worker's day, a patrol from start to end with a point, a
photo and a found problem, the QR scan (with and without a patrol, another grid, retired,
anonymous), the phone's offline queue sent twice, the log and the week, and who sees what."""
import io
from datetime import timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from plugins.grid_work.patrols import services
from plugins.grid_work.patrols.models import GridWorkLogDay, GridWorkPatrol, GridWorkPatrolPoint
from portal.auth.services import create_user
from portal.cases.models import Case
from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


@pytest.fixture
def on(app, tree):
    set_module(tree.town_a, "grid_work", True)
    set_module(tree.town_b, "grid_work", True)
    db.session.commit()
    return tree


def _jpeg() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def _patrol(worker) -> GridWorkPatrol:
    return db.session.scalar(select(GridWorkPatrol).filter_by(worker_id=worker.id))


def test_a_patrol_from_start_to_end(client, on):
    worker = on.users["grid_worker"]
    client.login("grid_worker")
    page = client.get("/work/").get_data(as_text=True)
    assert "开始巡查" in page and "今天的民情日志" in page
    response = client.post("/work/patrols/start")
    patrol = _patrol(worker)
    assert response.status_code == 303 and response.location.endswith(f"/work/patrols/{patrol.id}")
    assert client.post("/work/patrols/start").location.endswith(f"/work/patrols/{patrol.id}")
    assert db.session.scalar(select(func.count(GridWorkPatrol.id))) == 1
    response = client.post(f"/work/patrols/{patrol.id}/points", data={
        "latitude": "28.68", "longitude": "112.88", "note": "石桥", "photo": (_jpeg(), "a.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    point = db.session.scalar(select(GridWorkPatrolPoint))
    assert point.photo and point.latitude == 28.68
    assert client.get(f"/work/points/{point.id}/photo").mimetype == "image/jpeg"
    assert client.post(f"/work/patrols/{patrol.id}/points").status_code == 422
    response = client.post(f"/work/patrols/{patrol.id}/problem", data={
        "problem-title": "路灯不亮", "problem-category": "hazard",
        "problem-photos": (_jpeg(), "b.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    case = db.session.scalar(select(Case).filter_by(title="路灯不亮"))
    assert (case.latitude, case.longitude) == (28.68, 112.88) and len(case.photos) == 1
    page = client.get(f"/work/patrols/{patrol.id}").get_data(as_text=True)
    assert case.number in page and "石桥" in page and "data-track" in page
    assert client.post(f"/work/patrols/{patrol.id}/end").status_code == 422
    assert client.post(f"/work/patrols/{patrol.id}/end", data={"end-note": "一切正常"}
                       ).status_code == 303
    db.session.refresh(patrol)
    assert patrol.ended_at is not None and patrol.note == "一切正常"
    assert "今天已巡查 1 次" in client.get("/work/").get_data(as_text=True)


def test_the_offline_queue_sent_twice_records_once(client, on):
    worker = on.users["grid_worker"]
    client.login("grid_worker")
    json_ = {"Accept": "application/json"}
    answer = client.post("/work/patrols/start", data={"idempotency_key": "k" * 20},
                         headers=json_)
    assert answer.get_json()["ok"] is True
    again = client.post("/work/patrols/start", data={"idempotency_key": "k" * 20}, headers=json_)
    assert again.get_json()["replayed"] is True
    patrol = _patrol(worker)
    for _n in range(2):
        answer = client.post(f"/work/patrols/{patrol.id}/problem", headers=json_, data={
            "problem-title": "垃圾堆放", "problem-category": "hazard",
            "idempotency_key": "p" * 20, "problem-latitude": "28.6", "problem-longitude": "112.8"})
        assert answer.get_json()["ok"] is True
    assert db.session.scalar(select(func.count(Case.id)).filter_by(title="垃圾堆放")) == 1
    refused = client.post(f"/work/patrols/{patrol.id}/points", headers=json_,
                          data={"idempotency_key": "q" * 20})
    assert refused.status_code == 422 and refused.get_json()["ok"] is False
    # the queue's time of the point: taken a minute after the start, sent minutes later
    patrol.started_at -= timedelta(minutes=10)
    db.session.commit()
    taken = int(patrol.started_at.replace(tzinfo=timezone.utc).timestamp() * 1000) + 60_000
    client.post(f"/work/patrols/{patrol.id}/points", headers=json_,
                data={"idempotency_key": "r" * 20, "note": "离线记录", "taken_at": str(taken)})
    point = db.session.scalar(select(GridWorkPatrolPoint).filter_by(note="离线记录"))
    assert abs(point.at - patrol.started_at - timedelta(minutes=1)) < timedelta(milliseconds=2)


def test_scanning_a_checkpoint(client, on):
    worker = on.users["grid_worker"]
    here = services.add_checkpoint(on.grid_a1, "石桥")
    there = services.add_checkpoint(on.grid_a2, "水塘")
    old = services.add_checkpoint(on.grid_a1, "旧桥")
    services.retire_checkpoint(old)
    db.session.commit()
    anonymous = client.get(f"/work/checkpoints/{here.token}")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert "next=" in anonymous.location
    client.login("grid_worker")
    page = client.get(f"/work/checkpoints/{here.token}")
    assert page.status_code == 200 and "开始巡查并在此打卡" in page.get_data(as_text=True)
    assert _patrol(worker) is None  # opening the page alone starts nothing
    response = client.post(f"/work/checkpoints/{here.token}")
    patrol = _patrol(worker)
    assert response.status_code == 303 and patrol is not None
    assert [p.checkpoint_id for p in patrol.points] == [here.id]
    # with the patrol under way, opening the code only offers the button; the tap records the
    # point, once however often it is tapped
    opened = client.get(f"/work/checkpoints/{here.token}")
    assert opened.status_code == 200 and "在此打卡" in opened.get_data(as_text=True)
    db.session.refresh(patrol)
    assert len(patrol.points) == 1
    assert client.post(f"/work/checkpoints/{here.token}").status_code == 303
    db.session.refresh(patrol)
    assert len(patrol.points) == 1
    wrong = client.get(f"/work/checkpoints/{there.token}")
    assert wrong.status_code == 422 and "不在您负责的网格" in wrong.get_data(as_text=True)
    retired = client.get(f"/work/checkpoints/{old.token}")
    assert retired.status_code == 422 and "撤下" in retired.get_data(as_text=True)
    assert client.get("/work/checkpoints/not-a-token").status_code == 404
    client.logout()
    client.login("b_grid_worker")
    assert client.get(f"/work/checkpoints/{here.token}").status_code == 404


def test_checkpoints_are_added_retired_and_printed(client, on):
    client.login("village_admin")
    response = client.post("/work/checkpoints", data={"grid": on.grid_a1.id, "name": "学校门口",
                                                      "latitude": "28.1", "longitude": "112.1"})
    assert response.status_code == 302
    page = client.get(f"/work/checkpoints/print?grid={on.grid_a1.id}").get_data(as_text=True)
    assert "学校门口" in page and page.count('class="segno"') == 1
    from plugins.grid_work.patrols.models import GridWorkCheckpoint

    item = db.session.scalar(select(GridWorkCheckpoint))
    assert client.post(f"/work/checkpoints/{item.id}/retire").status_code == 303
    assert "学校门口" not in client.get("/work/checkpoints/print").get_data(as_text=True)
    client.logout()
    client.login("b_town_admin")
    assert client.post(f"/work/checkpoints/{item.id}/retire").status_code == 404
    assert client.post("/work/checkpoints", data={"grid": on.grid_a1.id, "name": "越界"}
                       ).status_code == 404


def test_the_log_notes_and_closing(client, on):
    worker = on.users["grid_worker"]
    client.login("grid_worker")
    day = (local_today() - timedelta(days=1)).isoformat()
    assert client.post(f"/work/log/{day}", data={"notes": "协助防汛"}).status_code == 303
    assert "协助防汛" in client.get(f"/work/log/{day}").get_data(as_text=True)
    assert client.post(f"/work/log/{day}/close", data={"notes": "协助防汛检查"}).status_code == 303
    record = db.session.scalar(select(GridWorkLogDay).filter_by(worker_id=worker.id))
    assert record.closed_at is not None and record.notes == "协助防汛检查"
    assert client.post(f"/work/log/{day}", data={"notes": "改"}).status_code == 422
    assert "已日清" in client.get(f"/work/log/{day}").get_data(as_text=True)
    future = (local_today() + timedelta(days=1)).isoformat()
    assert client.get(f"/work/log/{future}").status_code == 404
    assert client.get("/work/log/2026-13-45").status_code == 404
    week = client.get(f"/work/log/week?of={day}").get_data(as_text=True)
    assert "已日清" in week and "合计" in week


def test_a_worker_sees_only_their_own_work(client, on):
    worker = on.users["grid_worker"]
    colleague = create_user(username="colleague", password="secret123", role="grid_worker",
                            scope=on.grid_a1)
    theirs, _ = services.start(colleague)
    services.add_point(theirs, colleague, note="同事的点", photo="x.jpg")
    db.session.commit()
    client.login("grid_worker")
    assert client.get(f"/work/patrols/{theirs.id}").status_code == 404
    assert client.get(f"/work/points/{theirs.points[0].id}/photo").status_code == 404
    assert client.get(f"/work/workers/{colleague.id}/patrols").status_code == 404
    assert client.post(f"/work/patrols/{theirs.id}/end", data={"end-note": "x"}).status_code == 404
    assert client.get(f"/work/workers/{worker.id}/patrols").status_code == 200
    client.logout()
    client.login("village_admin")
    assert client.get(f"/work/patrols/{theirs.id}").status_code == 200
    day = local_today().isoformat()
    assert client.get(f"/work/workers/{colleague.id}/log/{day}").status_code == 200
    workers = client.get("/work/workers").get_data(as_text=True)
    assert "colleague" in workers or colleague.display_name in workers
    assert client.get("/work/").status_code == 200  # an admin's landing: the workers
    client.logout()
    client.login("b_town_admin")
    assert client.get(f"/work/patrols/{theirs.id}").status_code == 404
    assert client.get(f"/work/workers/{colleague.id}/log/{day}").status_code == 404
    assert colleague.display_name not in client.get("/work/workers").get_data(as_text=True)


def test_today_items_and_the_card(client, on):
    client.login("grid_worker")
    home = client.get("/").get_data(as_text=True)
    assert "今天还没有巡查" in home and "昨天的民情日志还没有日清" in home
    client.post("/work/patrols/start")
    assert "今天还没有巡查" not in client.get("/").get_data(as_text=True)
    client.logout()
    client.login("town_admin")
    assert "网格员巡查" in client.get("/").get_data(as_text=True)
