"""The volunteer list pages must not run more SQL as they show more rows (no N+1)."""
from datetime import timedelta

import pytest

from plugins.volunteers import services
from plugins.volunteers.models import VolunteersPairing
from portal.extensions import db
from portal.people.services import add_household, add_resident
from tests.test_query_counts import StatementCounter
from portal.timeutil import local_today


def statements(client, url):
    with StatementCounter(db.engine) as counter:
        assert client.get(url).status_code == 200
    return counter.count


def add_rows(vol, n):
    for i in range(n):
        household = add_household(vol.tree.grid_a1, f"志愿路{i}号-{n}")
        resident = add_resident(household, f"志愿{i}")
        volunteer = services.register(grid=vol.tree.grid_a1, resident=resident)
        services.add_member(vol.team, volunteer)
        signup = services.sign_up(vol.activity, volunteer) if vol.activity.signed < 40 else None
        if signup is not None:
            services.check_in(signup)
        services.submit_claim(volunteer, vol.team, local_today(), 30, "帮忙")
        db.session.add(VolunteersPairing(volunteer_id=volunteer.id, household_id=household.id,
                                         need="poor", started_on=local_today() - timedelta(days=40)))
        services.request_proxy(resident, "certificate", "证明")
    db.session.commit()


@pytest.mark.parametrize("url", ["/volunteers/", "/volunteers/people", "/volunteers/teams",
                                 "/volunteers/activities", "/volunteers/activities/{a}",
                                 "/volunteers/teams/{t}", "/volunteers/claims",
                                 "/volunteers/pairings", "/volunteers/proxies", "/"])
def test_volunteer_pages_do_not_grow_with_rows(client, vol, url):
    vol.activity.capacity = 100
    url = url.format(a=vol.activity.id, t=vol.team.id)
    client.login("village_admin")
    add_rows(vol, 3)
    few = statements(client, url)
    add_rows(vol, 9)
    many = statements(client, url)
    assert many == few, f"{url}: {few} statements for few rows, {many} for more"
