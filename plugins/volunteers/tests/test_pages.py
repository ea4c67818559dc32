"""The volunteer pages through the Flask test client: leaders and volunteers, forms and their
messages, the QR check-in, a proxy service raised from a case, capacity under concurrency."""
import re
import threading
from datetime import timedelta

import requests
from sqlalchemy import func, select

from plugins.volunteers import services
from plugins.volunteers.models import (VolunteersProxy, VolunteersSignup, VolunteersVolunteer)
from portal.extensions import db
from portal.modules.services import set_module


def test_a_volunteer_signs_up_scans_in_and_out_and_the_leader_confirms(client, vol):
    client.login("resident")  # the leader, who volunteers too
    url = f"/volunteers/activities/{vol.activity.id}"
    assert "报名" in client.get(url).get_data(as_text=True)
    assert client.post(url + "/signup").status_code == 303
    scan = f"{url}/scan/{vol.activity.checkin_token}"
    assert "签到" in client.get(scan).get_data(as_text=True)
    assert client.post(scan).status_code == 302
    assert client.post(scan).status_code == 302
    signup = db.session.scalar(select(VolunteersSignup).filter_by(volunteer_id=vol.leader.id))
    assert signup.checked_in_at is not None and signup.checked_out_at is not None
    assert client.post(f"/volunteers/signups/{signup.id}/confirm",
                       data={"minutes": "120"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(VolunteersSignup, signup.id).minutes == 120
    assert client.get(f"{scan[:-5]}wrong").status_code == 404  # a made-up token


def test_a_volunteer_who_does_not_lead_cannot_confirm(client, vol):
    outsider = services.register(grid=vol.tree.grid_a1, name="刘志愿", password="volunteer1")
    services.add_member(vol.team, outsider)
    signup = services.sign_up(vol.activity, vol.other)
    db.session.commit()
    response = client.post("/login", data={"login": outsider.number, "password": "volunteer1"})
    assert response.status_code == 302
    assert client.post(f"/volunteers/signups/{signup.id}/confirm",
                       data={"minutes": "60"}).status_code == 403
    assert client.get("/volunteers/claims").status_code == 403
    assert client.get(f"/volunteers/activities/{vol.activity.id}").status_code == 200


def test_a_full_activity_says_so(client, vol):
    services.sign_up(vol.activity, vol.other)
    third = services.register(grid=vol.tree.grid_a1, resident=vol.tree.household_a.members[1])
    services.sign_up(vol.activity, third)
    db.session.commit()
    client.login("resident")
    response = client.post(f"/volunteers/activities/{vol.activity.id}/signup",
                           follow_redirects=True)
    assert "名额已满" in response.get_data(as_text=True)


def test_activity_form_messages_next_to_the_fields(client, vol):
    client.login("village_admin")
    response = client.post("/volunteers/activities/new", data={
        "team": vol.team.id, "title": "夜间巡逻", "place": "村口", "capacity": "5",
        "starts_at": "2026-12-01T21:00", "ends_at": "2026-12-01T20:00"})
    assert response.status_code == 422 and "结束时间须晚于开始时间" in response.get_data(as_text=True)
    response = client.post("/volunteers/activities/new", data={
        "team": vol.team.id, "title": "夜间巡逻", "place": "村口", "capacity": "5",
        "starts_at": "2026-12-01T21:00", "ends_at": "2026-12-02T01:00"})
    assert response.status_code == 302


def test_register_a_resident_and_refuse_them_twice(client, vol):
    client.login("village_admin")
    page = client.get("/volunteers/people/new?q=zsf").get_data(as_text=True)
    assert "张三丰" in page
    response = client.post("/volunteers/people/new",
                           data={"resident": vol.tree.resident_a.id})
    assert response.status_code == 422 and "该居民已是志愿者" in response.get_data(as_text=True)
    wang = vol.tree.household_a.members[1]
    assert client.post("/volunteers/people/new", data={"resident": wang.id}).status_code == 302
    assert db.session.scalar(select(VolunteersVolunteer).filter_by(resident_id=wang.id))


def test_a_proxy_service_raised_from_a_case(client, vol):
    from portal.cases.services import report

    case = report(vol.tree.grid_a1, category="need", title="老人不会办医保", description="帮忙",
                  source="patrol", reporter=vol.tree.users["grid_worker"])
    db.session.commit()
    client.login("grid_worker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "转为代办服务" in page
    response = client.post(f"/volunteers/proxies/new?case={case.number}", data={
        "resident": vol.tree.resident_a.id, "errand": "insurance", "description": "代缴医保",
        "case": case.number})
    assert response.status_code == 302
    proxy = db.session.scalar(select(VolunteersProxy))
    assert proxy.case_id == case.id
    assert "医保社保缴费" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.post(f"/volunteers/proxies/{proxy.id}", data={"to": "done"})
    assert response.status_code == 422 and "不能这样办理" in response.get_data(as_text=True)
    set_module(vol.tree.town_a, "volunteers", False)
    db.session.commit()
    assert "转为代办服务" not in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_dashboard_card_and_menu_only_where_the_module_is_on(client, vol):
    client.login("village_admin")
    home = client.get("/").get_data(as_text=True)
    assert "志愿服务" in home and "本月服务小时" in home
    set_module(vol.tree.town_a, "volunteers", False)
    db.session.commit()
    assert "志愿服务" not in client.get("/").get_data(as_text=True)


def test_capacity_holds_when_volunteers_sign_up_at_the_same_moment(vol, live_server):
    vol.activity.capacity = 2
    people = []
    for i in range(5):
        outsider = services.register(grid=vol.tree.grid_a1, name=f"志愿者{i}",
                                     password="volunteer1")
        people.append(outsider.number)
    db.session.commit()
    url = f"{live_server}/volunteers/activities/{vol.activity.id}"

    def session_for(number):
        session = requests.Session()
        page = session.get(f"{live_server}/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        session.post(f"{live_server}/login", data={"login": number, "password": "volunteer1",
                                                   "csrf_token": token})
        token = re.search(r'name="csrf-token" content="([^"]+)"', session.get(url).text).group(1)
        return session, token

    prepared = [session_for(n) for n in people]
    barrier = threading.Barrier(len(prepared))

    def run(session, token):
        barrier.wait()
        session.post(url + "/signup", data={"csrf_token": token}, allow_redirects=False)

    threads = [threading.Thread(target=run, args=p) for p in prepared]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.expire_all()
    taken = db.session.scalar(select(func.count(VolunteersSignup.id))
                              .filter_by(activity_id=vol.activity.id, cancelled_at=None))
    assert taken == 2
    assert db.session.get(type(vol.activity), vol.activity.id).signed == 2


def test_hours_cross_midnight_on_the_activity_page(client, vol):
    signup = services.sign_up(vol.activity, vol.other)
    start = vol.activity.starts_at + timedelta(hours=10)  # 21:00 local
    services.check_in(signup, start)
    services.check_out(signup, start + timedelta(hours=4, minutes=30))  # 01:30 local
    db.session.commit()
    client.login("resident")
    page = client.get(f"/volunteers/activities/{vol.activity.id}").get_data(as_text=True)
    assert "4.5 小时" in page


def test_a_confirm_with_bad_minutes_says_why(client, vol):
    signup = services.sign_up(vol.activity, vol.other)
    db.session.commit()
    client.login("resident")
    response = client.post(f"/volunteers/signups/{signup.id}/confirm", data={"minutes": "0"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "王小明" in response.get_data(as_text=True)
    assert db.session.get(VolunteersSignup, signup.id).confirmed_at is None


def test_a_proxy_move_that_names_no_known_state_is_refused_beside_its_buttons(client, vol):
    proxy = services.request_proxy(vol.tree.resident_a, "certificate", "办证明")
    db.session.commit()
    client.login("grid_worker")
    response = client.post(f"/volunteers/proxies/{proxy.id}",
                           data={"to": "finished", "volunteer": vol.leader.id})
    assert response.status_code == 422
    assert 'id="to-errors"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(VolunteersProxy, proxy.id).status == "requested"


def test_buttons_that_choose_an_action_have_an_endpoint_each(client, vol):
    """A team member made leader and leaving, a sign-up cancelled, a pairing ended: each its
    own URL, so no hidden value picks the branch."""
    from plugins.volunteers.models import VolunteersMember, VolunteersPairing

    client.login("resident")
    url = f"/volunteers/activities/{vol.activity.id}"
    assert client.post(url + "/signup").status_code == 303
    assert client.post(url + "/signup/cancel").status_code == 303
    signup = db.session.scalar(select(VolunteersSignup).filter_by(volunteer_id=vol.leader.id))
    assert signup.cancelled_at is not None

    client.logout()
    client.login("town_admin")
    member = db.session.scalar(select(VolunteersMember).filter_by(volunteer_id=vol.other.id))
    page = client.get(f"/volunteers/teams/{vol.team.id}").get_data(as_text=True)
    assert f"/volunteers/members/{member.id}/leader" in page
    assert f"/volunteers/members/{member.id}/leave" in page
    assert client.post(f"/volunteers/members/{member.id}/leader").status_code == 303
    assert db.session.get(VolunteersMember, member.id).leader
    assert client.post(f"/volunteers/members/{member.id}/leave").status_code == 303
    assert db.session.get(VolunteersMember, member.id).left_on is not None

    pairing = VolunteersPairing(volunteer_id=vol.other.id, household_id=vol.tree.household_a.id,
                                need="poor", visit_days=30)
    db.session.add(pairing)
    db.session.commit()
    assert f"/volunteers/pairings/{pairing.id}/end" in client.get(
        f"/volunteers/pairings/{pairing.id}").get_data(as_text=True)
    assert client.post(f"/volunteers/pairings/{pairing.id}/end").status_code == 303
    assert db.session.get(VolunteersPairing, pairing.id).ended_on is not None
