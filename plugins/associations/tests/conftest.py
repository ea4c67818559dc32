"""The associations module on for town A; a safety association in village A1 run by the
`assoc_officer` login, with two items and two members."""
from datetime import date
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module
from portal.timeutil import local_today


@pytest.fixture
def assoc(app, tree):
    from plugins.associations import services
    from plugins.associations.models import AssociationsItem

    set_module(tree.town_a, "associations", True)
    safety = services.create(tree.village_a1, name="平安乡村协会", kind="safety", dues_fen=2000)
    services.add_officer(safety, tree.users["assoc_officer"], "会长")
    patrol = AssociationsItem(association_id=safety.id, name="参加义务巡逻", points=2)
    absent = AssociationsItem(association_id=safety.id, name="无故缺席例会", points=-3)
    db.session.add_all([patrol, absent])
    db.session.flush()
    start = date(local_today().year - 1, 1, 1)
    zhang = services.add_member(safety, tree.resident_a, on=start)
    li = services.add_member(safety, tree.household_a.members[1], on=start)
    db.session.commit()
    return SimpleNamespace(tree=tree, safety=safety, patrol=patrol, absent=absent, zhang=zhang,
                           li=li)
