"""The inspection schedule against hand counts: the next day by calendar months (month ends
clamped), due within the week and overdue, closed places left out, and a town's months honoured."""
from datetime import date, timedelta

import pytest

from plugins.places import schedule, services, town_settings
from plugins.places.figures import figures
from plugins.places.kinds import PASS, checklist
from plugins.places.models import PlacesPlace
from portal.extensions import db
from portal.timeutil import local_today

# (kind group's months, last inspection or None, registered, today) -> (due on, status), by hand
TABLE = [
    # the nine small places, monthly
    (1, date(2026, 3, 10), date(2025, 1, 1), date(2026, 4, 1), date(2026, 4, 10), "fine"),
    (1, date(2026, 3, 10), date(2025, 1, 1), date(2026, 4, 3), date(2026, 4, 10), "due"),
    (1, date(2026, 3, 10), date(2025, 1, 1), date(2026, 4, 10), date(2026, 4, 10), "due"),
    (1, date(2026, 3, 10), date(2025, 1, 1), date(2026, 4, 11), date(2026, 4, 10), "overdue"),
    # month ends: 31 January + 1 month is 28 February, or 29 in a leap year
    (1, date(2026, 1, 31), date(2025, 1, 1), date(2026, 2, 1), date(2026, 2, 28), "fine"),
    (1, date(2028, 1, 31), date(2025, 1, 1), date(2028, 2, 1), date(2028, 2, 29), "fine"),
    (1, date(2026, 3, 31), date(2025, 1, 1), date(2026, 4, 30), date(2026, 4, 30), "due"),
    # units, quarterly: 30 November + 3 months = 28 February; across the year
    (3, date(2025, 11, 30), date(2025, 1, 1), date(2026, 3, 1), date(2026, 2, 28), "overdue"),
    (3, date(2026, 10, 15), date(2025, 1, 1), date(2026, 12, 31), date(2027, 1, 15), "fine"),
    # never inspected: from the day it was registered
    (1, None, date(2026, 5, 20), date(2026, 6, 14), date(2026, 6, 20), "due"),
    (3, None, date(2026, 5, 31), date(2026, 9, 1), date(2026, 8, 31), "overdue"),
    (12, None, date(2024, 2, 29), date(2025, 2, 1), date(2025, 2, 28), "fine"),
]


@pytest.mark.parametrize("months,last,registered,today,due_on,status", TABLE)
def test_the_rule_against_hand_counts(months, last, registered, today, due_on, status):
    assert schedule.due_on(last, registered, months) == due_on
    assert schedule.status(due_on, today) == status


def test_a_closed_place_is_never_due():
    assert schedule.status(date(2020, 1, 1), date(2026, 1, 1), closed_on=date(2025, 1, 1)) \
        == "closed"


def _inspect(place, days_ago):
    return services.inspect(place, inspected_on=local_today() - timedelta(days=days_ago),
                            results={item: PASS for item in checklist(place.kind)})


def test_places_in_the_database_follow_the_rule(places):
    tree = places.tree
    today = local_today()
    # the eatery (monthly) was inspected 35 days ago: overdue; the toilet 5 days ago: fine
    assert places.place.next_due_on == schedule.due_on(today - timedelta(days=35), None, 1)
    assert schedule.status(places.place.next_due_on, today) == "overdue"
    shop = services.register(tree.grid_a1, name="五金店", kind="shop",
                             registered_on=today - timedelta(days=100))
    store = services.register(tree.grid_a1, name="小卖部", kind="small_store",
                              registered_on=today - timedelta(days=30))
    _inspect(store, 27)  # monthly: due within the week
    closed = services.register(tree.grid_a2, name="歇业小网吧", kind="small_netcafe",
                               registered_on=today - timedelta(days=200))
    services.close(closed, today - timedelta(days=1))
    db.session.commit()
    assert shop.next_due_on == schedule.due_on(None, today - timedelta(days=100), 3)
    assert closed.next_due_on is None
    f = figures(tree.town_a)
    # by hand: overdue = the eatery (35 days after a monthly inspection) and the shop (100 days
    # after registering, more than any 3 months); due = the store (27 days after); not the toilet
    # (5 days), nor the closed net cafe
    assert (f.overdue, f.due) == (2, 1)
    assert f.per_group == {"units": 1, "small": 2, "facilities": 1}
    assert (f.open_hazards, f.licences) == (1, 1)
    assert figures(tree.town_b).per_group == {"units": 0, "small": 0, "facilities": 0}


def test_a_town_changing_its_months_moves_every_open_place(client, places):
    town = places.tree.town_a
    today = local_today()
    last = today - timedelta(days=35)
    town_settings.save(town, units_months=6, small_months=2, facilities_months=1,
                       rectify_days=14)
    db.session.commit()
    assert db.session.get(PlacesPlace, places.place.id).next_due_on == schedule.due_on(last, None, 2)
    # through the page: a town admin sets the nine small places back to a month
    client.login("town_admin")
    response = client.post("/places/settings", data={"units_months": "3", "small_months": "1",
                                                     "facilities_months": "1",
                                                     "rectify_days": "7"})
    assert response.status_code == 302
    assert db.session.get(PlacesPlace, places.place.id).next_due_on == schedule.due_on(last, None, 1)
    refused = client.post("/places/settings", data={"units_months": "0", "small_months": "1",
                                                    "facilities_months": "1", "rectify_days": "7"})
    assert refused.status_code == 422 and "巡查周期应在1到24个月之间" in refused.get_data(as_text=True)
    assert town_settings.values(town)["units_months"] == 3


def test_the_town_template_carries_the_schedule(places):
    from plugins.places.town_template import apply, export, plan

    town_a, town_b = places.tree.town_a, places.tree.town_b
    town_settings.save(town_a, units_months=2, small_months=1, facilities_months=1,
                       rectify_days=5)
    data = export(town_a)
    assert [c.new for c in plan(town_b, data)] == ["2", "5"]
    apply(town_b, data, None)
    assert town_settings.values(town_b) == data
