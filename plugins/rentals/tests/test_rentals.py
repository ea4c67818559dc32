"""Rental houses and the floating population: the counts against hand counts, scope, a tenant
ended and never deleted, ID numbers and phones never in full on a page, the reminder once per
tenant and expiry, the forms' refusals."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from plugins.rentals import reminders, services
from plugins.rentals.figures import figures, per_grid
from plugins.rentals.models import RentalsAway, RentalsLetting, RentalsTenant
from plugins.rentals.testing import TENANT_ID, TENANT_PHONE
from portal.extensions import db
from portal.notifications.models import Notification
from portal.people.masking import mask_id, mask_phone
from portal.timeutil import local_today, to_utc


def at_ten(day=None) -> datetime:
    day = day or local_today()
    return to_utc(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))


def _tenant(letting, name, expires_in, **kw):
    today = local_today()
    return services.add_tenant(letting, name=name, moved_in_on=today - timedelta(days=5),
                               registration_expires_on=today + timedelta(days=expires_in)
                               if expires_in is not None else None, **kw)


def test_counts_match_the_hand_count(rentals):
    tree = rentals.tree
    # by hand (testing.py): 甲 expires in 10 days, 乙 in 300, 丙 left (expiring in 5: not counted)
    # add: one at the notice's last day (30: counted), one a day beyond (31: not), one lapsed
    # (-1: lapsed, not "expiring"), a registered resident (living, not incoming)
    _tenant(rentals.letting, "边界甲", 30)
    _tenant(rentals.letting, "边界乙", 31)
    _tenant(rentals.letting, "过期丁", -1)
    _tenant(rentals.letting, "本县户籍戊", None, id_number=tree.resident_b.id_number)
    db.session.commit()
    f = figures(tree.town_a)
    assert (f.tenants, f.incoming, f.expiring, f.away, f.lettings) == (6, 5, 2, 1, 1)
    assert figures(tree.grid_a2).tenants == 0
    rows = {r.grid.name: (r.incoming, r.tenants, r.away) for r in per_grid(tree.town_a)}
    assert rows == {"第一网格": (5, 6, 1)}
    assert figures(tree.town_b).tenants == 0


def test_a_left_resident_away_and_an_ended_record_are_not_counted(rentals):
    services.end_away(rentals.away, local_today(), actor=None)
    db.session.commit()
    assert figures(rentals.tree.town_a).away == 0
    assert db.session.get(RentalsAway, rentals.away.id).ended_on == local_today()


def test_town_b_sees_nothing_of_town_a(client, rentals):
    client.login("b_town_admin")
    assert client.get(f"/rentals/{rentals.letting.id}").status_code == 404
    assert client.get(f"/rentals/away/new/{rentals.wang.id}").status_code == 404
    for page in ("/rentals/", "/rentals/floating", "/rentals/away/new", "/"):
        body = client.get(page).get_data(as_text=True)
        assert "外来租客甲" not in body and "城西路1号" not in body and "王小明" not in body, page


def test_a_tenant_who_leaves_is_ended_not_deleted(client, rentals):
    client.login("grid_worker")
    tenant = rentals.tenant
    response = client.post(f"/rentals/tenants/{tenant.id}/end",
                           data={f"end{tenant.id}-on": local_today().isoformat()})
    assert response.status_code == 302
    kept = db.session.get(RentalsTenant, tenant.id)
    assert kept is not None and kept.left_on == local_today()
    page = client.get(f"/rentals/{rentals.letting.id}").get_data(as_text=True)
    assert "外来租客甲" in page and "已搬离" in page
    assert figures(rentals.tree.town_a).tenants == 1
    # ending twice is refused beside the date
    again = client.post(f"/rentals/tenants/{tenant.id}/end",
                        data={f"end{tenant.id}-on": local_today().isoformat()})
    assert again.status_code == 422


def test_ending_the_letting_ends_its_tenants(rentals):
    services.end_letting(rentals.letting, local_today(), actor=None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RentalsTenant)
                             .where(RentalsTenant.left_on.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(RentalsTenant)) == 3


def test_id_numbers_and_phones_never_in_full(client, rentals):
    for user in ("grid_worker", "village_admin", "info_officer", "county_admin"):
        client.login(user)
        for page in (f"/rentals/{rentals.letting.id}", "/rentals/", "/rentals/floating", "/",
                     "/today"):
            body = client.get(page).get_data(as_text=True)
            assert TENANT_ID not in body and TENANT_PHONE not in body, (user, page)
            assert "13812345678" not in body, (user, page)  # the landlord's phone
        show = client.get(f"/rentals/{rentals.letting.id}").get_data(as_text=True)
        assert mask_id(TENANT_ID) in show and mask_phone(TENANT_PHONE) in show


def test_the_full_numbers_only_through_an_audited_post(client, rentals):
    from portal.audit.models import AuditEntry

    url = f"/rentals/tenants/{rentals.tenant.id}/reveal"
    client.login("grid_worker")
    show = client.get(f"/rentals/{rentals.letting.id}").get_data(as_text=True)
    assert f'action="{url}"' in show and "显示完整号码" in show
    assert client.get(url).status_code == 405  # a look is never a link one follows by accident
    revealed = client.post(url)
    body = revealed.get_data(as_text=True)
    assert revealed.status_code == 200
    assert TENANT_ID in body and TENANT_PHONE in body and "已记入审计日志" in body
    assert "外来租客乙" in body  # the rest of the letting, still masked around it
    entry = db.session.scalar(select(AuditEntry).filter_by(
        action="rentals.tenant_view_sensitive"))
    assert entry.object_id == str(rentals.tenant.id)
    assert entry.user_id == rentals.tree.users["grid_worker"].id
    assert entry.scope_code == rentals.letting.grid.code
    # those who may not see a resident's numbers may not see a tenant's either, nor a town B admin
    for user, status in (("b_town_admin", 404), ("dept_staff", 403), ("resident", 403)):
        client.logout()
        client.login(user)
        assert client.post(url).status_code == status, user
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).filter_by(
        action="rentals.tenant_view_sensitive")) == 1


def test_the_reminder_goes_once_per_tenant_and_expiry(rentals):
    town = rentals.tree.town_a
    worker = rentals.tree.users["grid_worker"]
    assert reminders.remind(town, at_ten()) == 1
    assert reminders.remind(town, at_ten()) == 0
    row = db.session.scalar(select(Notification).filter_by(event="rentals_expiring"))
    assert row.user_id == worker.id
    key = f"rentals_expiring:{rentals.tenant.id}:{rentals.tenant.registration_expires_on}"
    assert row.key.startswith(key + "|")
    assert TENANT_ID not in row.body + row.subject and TENANT_PHONE not in row.body
    # renewed, and due again later: told again (a new expiry)
    rentals.tenant.registration_expires_on = local_today() + timedelta(days=20)
    db.session.commit()
    assert reminders.remind(town, at_ten()) == 1
    # before nine nobody is woken
    early = to_utc(datetime.combine(local_today(), datetime.min.time()) + timedelta(hours=7))
    rentals.tenant.registration_expires_on = local_today() + timedelta(days=25)
    db.session.commit()
    assert reminders.remind(town, early) == 0


def test_the_grid_worker_today_list_has_the_expiring_registration(app, rentals):
    from portal.today import items_for

    with app.test_request_context():
        found = {i.key: i for i in items_for(rentals.tree.users["grid_worker"])}
        assert found["rentals.expiring"].count == 1
        assert "rentals.expiring" not in {i.key for i in items_for(rentals.tree.users["resident"])}


def test_adding_a_tenant_and_its_refusals(client, rentals):
    client.login("grid_worker")
    url = f"/rentals/{rentals.letting.id}/tenants"
    today = local_today()
    before = db.session.scalar(select(func.count()).select_from(RentalsTenant))
    bad = client.post(url, data={"name": "新租客", "moved_in_on": today.isoformat(),
                                 "registered_on": today.isoformat(),
                                 "registration_expires_on": (today - timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and "有效期应晚于登记日期" in bad.get_data(as_text=True)
    bad_id = client.post(url, data={"name": "新租客", "moved_in_on": today.isoformat(),
                                    "id_number": "430624199003030031"})
    assert bad_id.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(RentalsTenant)) == before
    ok = client.post(url, data={"name": "新租客", "moved_in_on": today.isoformat(),
                                "phone": "13500001111",
                                "registration_expires_on": (today + timedelta(days=180)).isoformat()})
    assert ok.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RentalsTenant)) == before + 1


def test_letting_a_house_and_recording_a_resident_away(client, rentals):
    tree = rentals.tree
    client.login("grid_worker")
    today = local_today().isoformat()
    response = client.post("/rentals/new", data={"landlord": tree.resident_b.id,
                                                 "started_on": today})
    assert response.status_code == 422  # town B's resident is not the worker's to pick
    response = client.post("/rentals/new", data={"landlord": tree.resident_a.id,
                                                 "started_on": today, "rooms": "2"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RentalsLetting)) == 2
    zhang = tree.resident_a
    response = client.post(f"/rentals/away/new/{zhang.id}", data={
        "place": "长沙市", "since": today, "reason": "work"})
    assert response.status_code == 302
    again = client.post(f"/rentals/away/new/{zhang.id}", data={"place": "深圳", "since": today})
    assert again.status_code == 422
    assert figures(tree.town_a).away == 2
    pick = client.get("/rentals/away/new").get_data(as_text=True)
    assert "张三丰" in pick and "陈二" not in pick
