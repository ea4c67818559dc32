"""``portal points verify`` and ``portal points expire``."""
from datetime import datetime

import click
from flask.cli import with_appcontext

from portal.extensions import db
from portal.grids.models import Grid
from portal.timeutil import to_utc


@click.group("points")
def points_group():
    """积分超市: check the ledgers, expire old points."""


def _grid(code):
    if code is None:
        return None
    grid = db.session.scalar(db.select(Grid).filter_by(code=code))
    if grid is None:
        raise click.BadParameter(f"没有编码为 {code} 的网格 / no grid with code {code}")
    return grid


@points_group.command("verify")
@click.option("--scope", "scope_code", help="Only this grid code and what lies under it.")
@with_appcontext
def verify(scope_code):
    """Report every account whose cached balance disagrees with its ledger, and every goods row
    whose stock disagrees with its stock entries. Exits 1 when any does."""
    from .reports import verify as check

    found = check(_grid(scope_code))
    for m in found:
        what = "账户 account" if m.kind == "account" else "商品 goods"
        click.echo(f"{what} #{m.id} {m.label}: cached {m.cached}, ledger {m.ledger}")
    if found:
        raise SystemExit(1)
    click.echo("积分和库存流水全部一致 / every balance and stock matches its ledger")


@points_group.command("expire")
@click.option("--town", "town_code", required=True, help="Town grid code.")
@click.option("--earned-before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Points earned before this local date expire (oldest points are spent first).")
@with_appcontext
def expire(town_code, earned_before):
    """Expire unspent points earned before a date (e.g. each year's points by the end of the
    next year). Running it twice expires nothing more."""
    from .ledger import expire as run

    town = _grid(town_code)
    if town.level != "town":
        raise click.BadParameter("请给出镇(街道)编码 / give a town code")
    before: datetime = to_utc(earned_before)  # local midnight in UTC
    total = run(town, before)
    db.session.commit()
    click.echo(f"已过期 {total} 分 / {total} points expired")
