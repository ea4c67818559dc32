"""The home-page card counts overdue pairings in one SQL statement, by the same rule as the list."""
from datetime import timedelta

from plugins.volunteers import services
from portal.extensions import db
from portal.timeutil import local_today


def test_overdue_count_agrees_with_the_list(vol):
    from plugins.volunteers.models import VolunteersPairing

    def both(scope):
        return services.count_overdue_pairings(scope), len(services.pairings_due(scope, True))

    pairings = []
    for started, days in ((60, 30), (20, 30), (31, 30), (30, 30)):
        pairing = VolunteersPairing(volunteer_id=vol.other.id,
                                    household_id=vol.tree.household_a.id,
                                    need="left_behind_elder", visit_days=days,
                                    started_on=local_today() - timedelta(days=started))
        db.session.add(pairing)
        pairings.append(pairing)
    db.session.flush()
    assert both(vol.tree.village_a1) == (2, 2)  # 60 and 31 days ago with a 30-day interval
    services.record_pair_visit(pairings[0], local_today() - timedelta(days=5), "一切安好")
    assert both(vol.tree.village_a1) == (1, 1)
    assert both(vol.tree.county) == (1, 1)
    assert both(vol.tree.village_b1) == (0, 0)
