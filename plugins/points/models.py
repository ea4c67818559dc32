"""The points supermarket's records. Points and stock are ledgers: every change is an entry that is
never edited or deleted, and the balance on an account (or the stock on a goods row) is a cache of
the sum of its entries that ``portal points verify`` checks.

CHECK constraints keep balances and stock from going below zero even if a bug slipped past the
services, so the database itself refuses an overdraft.
"""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.grids.models import Grid
from portal.people.models import Household, Resident
from portal.timeutil import to_local, utcnow

#: Kinds of ledger entries: "deduct" is a rule of negative value (负向扣分).
KINDS = ("earn", "redeem", "reverse", "adjust", "expire", "deduct")
#: Kinds of stock entries.
STOCK_KINDS = ("restock", "redeem", "return", "adjust")
#: Who an account belongs to, chosen per town.
OWNERS = ("household", "resident")
#: Categories for differentiated distribution (差异化分配): a rule may give each its own value.
CATEGORIES = ("villager", "party_member", "grid_worker", "cadre")


class PointsRule(db.Model):
    """A reason to earn points in a town, with its value (and values per category)."""

    __tablename__ = "points_rules"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "town.code"
    __table_args__ = (UniqueConstraint("town_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: Value for categories without their own.
    points: Mapped[int] = mapped_column()
    #: {category: points} overrides, e.g. {"grid_worker": 8}.
    category_points: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    town: Mapped[Grid] = relationship()

    def value_for(self, category: str) -> int:
        return int((self.category_points or {}).get(category, self.points))


class PointsAccount(db.Model):
    """Points of one household or one resident (as the town chose)."""

    __tablename__ = "points_accounts"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    # A deduction beyond the balance, where the town keeps a debt, is owed (``debt``), never a
    # negative balance: what may be spent stays a non-negative number the database guards.
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),
                      CheckConstraint("debt >= 0", name="debt_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    #: The owner's grid (for scoping); follows the household when it moves.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), unique=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), unique=True)
    #: One of CATEGORIES.
    category: Mapped[str] = mapped_column(String(16), default="villager")
    #: What the QR code on the points card carries; a reissued card gets a new one.
    card_token: Mapped[str] = mapped_column(String(32), unique=True)
    #: What may be spent: with ``debt``, a cache of the sum of the entries (balance − debt);
    #: only the ledger service writes them, and at most one of the two is above zero.
    balance: Mapped[int] = mapped_column(default=0)
    #: Points owed after a deduction the balance could not cover (the town's choice); paid
    #: back first by the next awards.
    debt: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    town: Mapped[Grid] = relationship(foreign_keys=[town_id])
    grid: Mapped[Grid] = relationship(foreign_keys=[grid_id])
    household: Mapped[Household | None] = relationship()
    resident: Mapped[Resident | None] = relationship()

    @property
    def owner_name(self) -> str:
        if self.resident is not None:
            return self.resident.name
        head = self.household.head if self.household else None
        return _("%(name)s户", name=head.name) if head else self.household.address

    @property
    def home(self) -> Household:
        return self.household or self.resident.household

    @property
    def net(self) -> int:
        """The balance as the statement's last line reads it: negative while a debt is owed."""
        return self.balance - (self.debt or 0)


class PointsEntry(db.Model):
    """One change of an account's points. Never edited, never deleted."""

    __tablename__ = "points_entries"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "account.grid.code"
    __table_args__ = (
        Index("ix_points_entries_account", "account_id", "id"),
        Index("ix_points_entries_town_time", "town_id", "created_at"),
        #: An award made by another module carries a source key; the same source never pays twice.
        UniqueConstraint("account_id", "source", name="uq_points_entries_account_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    #: One of KINDS.
    kind: Mapped[str] = mapped_column(String(8))
    #: Signed: positive adds to the balance.
    points: Mapped[int] = mapped_column()
    #: The balance right after this entry (negative while a debt is owed): a statement reads
    #: like a bank book.
    balance_after: Mapped[int] = mapped_column()
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rules.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("points_redemptions.id"),
                                                      index=True)
    #: The entry this one corrects; each entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    #: Machine key of the evidence from another module ("volunteers.activity:12"), unique per account.
    source: Mapped[str | None] = mapped_column(String(80))
    #: The evidence as people read it ("志愿活动：清扫村道 11月20日").
    source_label: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: An award on public notice (积分公示) cannot be spent before this time (UTC); villagers may
    #: object to it until then.
    held_until: Mapped[datetime | None] = mapped_column()

    account: Mapped[PointsAccount] = relationship()
    rule: Mapped[PointsRule | None] = relationship()
    actor = relationship("User")
    reverses: Mapped["PointsEntry | None"] = relationship(remote_side=[id])
    redemption = relationship("PointsRedemption")


class PointsShop(db.Model):
    """A village points supermarket (积分超市)."""

    __tablename__ = "points_shops"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "grid.code"
    __table_args__ = (UniqueConstraint("grid_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The village the supermarket serves.
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(128))
    #: Goods at or below this stock are flagged on the reports.
    low_stock: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)

    grid: Mapped[Grid] = relationship()


class PointsGoods(db.Model):
    __tablename__ = "points_goods"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "shop.grid.code"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      CheckConstraint("price > 0", name="price_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("points_shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    #: Price in points.
    price: Mapped[int] = mapped_column()
    #: Cache of the sum of the stock entries.
    stock: Mapped[int] = mapped_column(default=0)
    #: File name in the instance upload folder (``info``: `portal uploads clean` keeps it).
    photo: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    unit: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shop: Mapped[PointsShop] = relationship()

    @property
    def scope_code(self) -> str:
        return self.shop.grid.code


class PointsStockEntry(db.Model):
    __tablename__ = "points_stock_entries"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "goods.shop.grid.code"
    __table_args__ = (Index("ix_points_stock_entries_goods", "goods_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("points_goods.id"))
    #: One of STOCK_KINDS.
    kind: Mapped[str] = mapped_column(String(8))
    #: Signed change of the stock.
    quantity: Mapped[int] = mapped_column()
    stock_after: Mapped[int] = mapped_column()
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("points_redemptions.id"),
                                                      index=True)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    goods: Mapped[PointsGoods] = relationship()
    actor = relationship("User")


class PointsRedemption(db.Model):
    """One basket redeemed at a kiosk: its points entry and stock entries share its id."""

    __tablename__ = "points_redemptions"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "account.grid.code"
    __table_args__ = (Index("ix_points_redemptions_shop_time", "shop_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("points_shops.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"), index=True)
    #: Generated by the kiosk page for one basket: a retried or double-tapped confirm finds the
    #: redemption it already made instead of making another.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    total: Mapped[int] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the basket was taken back (goods returned, points refunded).
    reversed_at: Mapped[datetime | None] = mapped_column()

    shop: Mapped[PointsShop] = relationship()
    account: Mapped[PointsAccount] = relationship()
    actor = relationship("User")
    lines: Mapped[list["PointsRedemptionLine"]] = relationship(
        back_populates="redemption", order_by="PointsRedemptionLine.id")

    @property
    def receipt_number(self) -> str:
        local = to_local(self.created_at)  # the date on the shop's wall calendar
        return f"{local:%Y%m%d}-{self.id:06d}"


class PointsRedemptionLine(db.Model):
    __tablename__ = "points_redemption_lines"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "redemption.account.grid.code"

    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("points_redemptions.id"), index=True)
    goods_id: Mapped[int] = mapped_column(ForeignKey("points_goods.id"), index=True)
    #: The name and price at the time, so a receipt reprints the same even if the goods change.
    name: Mapped[str] = mapped_column(String(64))
    price: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()

    redemption: Mapped[PointsRedemption] = relationship(back_populates="lines")
    goods: Mapped[PointsGoods] = relationship()

    @property
    def points(self) -> int:
        return self.price * self.quantity


#: States of a resident's claim (申报) and of an objection to an award (异议).
CLAIM_STATES = ("pending", "approved", "rejected")
OBJECTION_STATES = ("open", "upheld", "dismissed")


class PointsClaim(db.Model):
    """A resident's own claim of a good deed under a rule (积分申报), from the phone, reviewed by
    the village: approved, it pays once (its entry's source is ``points.claim:<id>``)."""

    __tablename__ = "points_claims"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "resident.grid.code"
    __table_args__ = (Index("ix_points_claims_town_state", "town_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    #: Who did the deed (the account is theirs or their household's).
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("points_rules.id"))
    happened_on: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text)
    #: File name in the instance upload folder (``info``: `portal uploads clean` keeps it).
    photo: Mapped[str | None] = mapped_column(String(64), info={"upload": "photos"})
    #: One of CLAIM_STATES.
    state: Mapped[str] = mapped_column(String(10), default="pending")
    #: The resident themselves, or their grid worker for them.
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    #: Why it was rejected (shown to the resident).
    reason: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident: Mapped[Resident] = relationship()
    rule: Mapped[PointsRule] = relationship()
    entry: Mapped[PointsEntry | None] = relationship()
    filed_by = relationship("User", foreign_keys=[filed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class PointsObjection(db.Model):
    """A villager's objection to an award on public notice (公示异议): the village admin upholds
    it (the award is reversed) or dismisses it, with a note."""

    __tablename__ = "points_objections"
    #: tenancy: where the record lies (portal.tenancy.records)
    scope_path = "entry.account.grid.code"
    __table_args__ = (Index("ix_points_objections_town_state", "town_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("grids.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    #: The login that objected, when a resident was logged in; the public page asks no name.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: One of OBJECTION_STATES.
    state: Mapped[str] = mapped_column(String(10), default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[PointsEntry] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
