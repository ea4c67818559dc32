"""The mutual-aid module on for town A, and a group in grid A1 with its two households."""
from types import SimpleNamespace

import pytest

from portal.extensions import db
from portal.modules.services import set_module


@pytest.fixture
def aid(app, tree):
    from plugins.mutual_aid import services

    set_module(tree.town_a, "mutual_aid", True)
    group = services.create_group(tree.grid_a1, "城西一组")
    services.add_household(group, tree.household_a)
    services.add_household(group, tree.household_a2)
    services.elect_leader(group, tree.resident_a)
    db.session.commit()
    return SimpleNamespace(tree=tree, group=group)
