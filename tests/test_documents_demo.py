"""Every kind of document this deployment has (the core's and the installed plugins') renders
from the demo as a PDF whose text reads back in Chinese: a kind added later is covered the day it
appears, and one whose demo record is missing fails here rather than in front of a township."""

import pytest
from sqlalchemy import select

from portal.demo import DEMO_PASSWORD
from portal.documents import document_types
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid
from portal.documents.testing import pdf_text

#: A node's documents are tried on the demo town's first node of the first level they take.
LEVELS = (VILLAGE, TOWN, GRID, SPECIAL)


@pytest.fixture
def plugins_extra():
    """The demo as `portal demo` loads it: the real plugins only."""
    return []


def subject_of(kind):
    town = db.session.scalar(select(Grid).filter_by(level=TOWN, name="文星镇"))
    if kind.model is Grid:
        level = next(level for level in LEVELS if not kind.levels or level in kind.levels)
        return db.session.scalar(select(Grid).where(
            Grid.level == level, Grid.code.like(f"{town.code}%")).order_by(Grid.code))
    from portal.tenancy import scope_code_of

    for record in db.session.scalars(select(kind.model).order_by(kind.model.id).limit(200)):
        if (scope_code_of(record) or "").startswith(town.code):
            return record
    return None


def test_every_kind_of_document_renders_from_the_demo_in_chinese(demo, client):
    from portal.cases.services import sweep

    sweep()  # the demo's late cases get their supervision notices, as the worker's sweep would
    db.session.commit()
    client.login("county", password=DEMO_PASSWORD)
    kinds = document_types()
    assert len(kinds) >= 10
    for kind in kinds.values():
        subject = subject_of(kind)
        assert subject is not None, f"the demo holds no {kind.model.__name__} for {kind.code}"
        answer = client.get(f"/documents/{kind.code}/{subject.id}.pdf")
        assert answer.status_code == 200, (kind.code, answer.status_code)
        text = pdf_text(answer)
        chinese = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
        assert chinese > 20, (kind.code, text[:200])
        assert "None" not in text, kind.code
