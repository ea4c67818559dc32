"""The grid's A4 公示牌 poster for the village wall, and 一封信: the letter each household gets
with its grid's staff, their phones, the supervision phone and the QR code of the grid's public
page. Both are made one at a time or for a whole village (or town) at once."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.documents import A4, A5, DocumentType, Period
from portal.extensions import db
from portal.grids.models import GRID, SPECIAL, TOWN, VILLAGE, Grid, GridStaff
from portal.people.models import Household
from portal.tenancy import in_subtree


def issuer_of(node: Grid) -> str:
    """The issuing level's name for the header: the village (or town) over ``node``."""
    issuer = node.ancestor_at(VILLAGE) or node.ancestor_at(TOWN) or node
    town = node.ancestor_at(TOWN)
    if town is not None and issuer is not town:
        return f"{town.name} {issuer.name}"
    return issuer.name


def on_board(grid: Grid) -> list[GridStaff]:
    return [s for s in sorted(grid.staff, key=lambda s: (s.sort_order, s.id))
            if s.ended_at is None]


def _public(grid: Grid, base: str) -> str:
    from flask import url_for

    return base + url_for("public.notice", grid_code=grid.code)


def poster_context(grid: Grid, period: Period | None) -> dict:
    from portal.documents.render import base_url, photo_uri, qr
    from portal.grids.staff_posts import PostLabels

    staff = on_board(grid)
    # the town's posts too, and a removed post by the label its staff kept (never a code)
    return {"grid": grid, "issuer": issuer_of(grid), "staff": staff,
            "photos": {s.id: photo_uri(s.photo) for s in staff},
            "POST_LABELS": PostLabels(grid, staff),
            "qr": qr(_public(grid, base_url()), scale=4), "ancestors": grid.ancestors()}


def letter_context(household: Household, period: Period | None) -> dict:
    from portal.documents.render import base_url, qr
    from portal.grids.staff_posts import PostLabels

    grid = household.grid
    return {"household": household, "grid": grid, "issuer": issuer_of(grid),
            "staff": [s for s in on_board(grid) if s.post in ("leader", "worker", "instructor",
                                                               "liaison")],
            "POST_LABELS": PostLabels(grid), "qr": qr(_public(grid, base_url()), scale=3),
            "village": grid.ancestor_at(VILLAGE) or grid.ancestor_at(TOWN) or grid}


def grids_under(node: Grid) -> list[Grid]:
    return list(db.session.scalars(select(Grid).where(
        in_subtree(Grid.code, node), Grid.level.in_((GRID, SPECIAL)),
        Grid.retired_at.is_(None)).order_by(Grid.code)))


def households_under(node: Grid) -> list[Household]:
    return list(db.session.scalars(
        select(Household).join(Grid, Grid.id == Household.grid_id)
        .where(in_subtree(Grid.code, node), Household.moved_out_at.is_(None))
        .order_by(Grid.code, Household.number, Household.id)))


TYPES = (
    DocumentType(
        "grid_poster", _l("网格公示牌(A4张贴)"), Grid, "grids.view", "documents/grid_poster.html",
        poster_context, lambda grid, period: _("%(grid)s 网格公示牌", grid=grid.name), size=A4,
        levels=(GRID, SPECIAL), batch=grids_under, batch_levels=(VILLAGE, TOWN),
        description=_l("网格员照片、职务、电话、职责、监督电话和二维码，A4 张贴在村务公开栏。")),
    DocumentType(
        "household_letter", _l("致住户的一封信"), Household, "people.view",
        "documents/household_letter.html", letter_context,
        lambda household, period: _("致 %(address)s 住户的一封信",
                                    address=household.address), size=A5,
        batch=households_under, batch_levels=(VILLAGE, GRID, SPECIAL), offered="record",
        description=_l("告知每户所在网格、网格员和联系电话、监督电话，附网格公示牌二维码；A5，可按村或网格批量打印。")),
)
