"""Who may search residents by number, and the record of every such search.

- A user with ``people.sensitive`` (who may see full numbers, each look audited) may search by
  any trailing digits, as before.
- Anyone else may search only by what the mask already shows them: exactly the last four
  characters of an ID number or phone (``0013``), or the whole number (an 18-character ID
  number, a phone number), which then has to match exactly. Five, six, eight trailing digits
  would let them read a masked number digit by digit, so such a query is refused with a message
  where the results would have been.
- Every search by number, by any role, refused or not, is written to the audit log: who, the
  query (masked like the numbers themselves), where and how many residents it matched.
- Searches by number are rate-limited per user: NUMBER_SEARCH_MAX_PER_WINDOW in
  NUMBER_SEARCH_WINDOW_SECONDS, counted from the audit log, so every worker process agrees.
- A whole number that matches nobody is how someone who sees a mask would test guesses at the
  hidden digits (the check digit leaves a few dozen candidates once the age is known), so such
  misses by a user without ``people.sensitive`` have a much lower ceiling:
  NUMBER_SEARCH_MAX_MISSES in NUMBER_SEARCH_MISS_WINDOW_SECONDS (a day by default).

The region (the first six digits of an ID number) is not searchable on its own: every resident
of a county shares it, so it finds no one in particular, and searching by leading digits would
open the "starts with" oracle on the hidden birth date that follows it.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal import audit
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.people.masking import mask_id, mask_phone
from portal.timeutil import utcnow
from portal.validators import is_phone, normalise_phone

#: ``search_residents(..., user=CURRENT_USER)``: the logged-in user of the request.
CURRENT_USER = object()

ACTION = "resident.search_number"
#: A search refused by the rate limit: written down, not counted (the user may search again
#: once the window has passed, however often they tried meanwhile).
ACTION_LIMITED = "resident.search_number_limited"
#: A whole number searched by a user without ``people.sensitive`` that matched nobody.
ACTION_MISS = "resident.search_number_miss"

#: Digits as typed: "0013", "430624195001010013", "1381234 5678", "0730-1234567", "…001X".
NUMBER = re.compile(r"^[0-9][0-9\s()（）-]*[0-9Xx]$")
#: The characters a mask leaves visible at the end of an ID number and of a phone.
SHOWN_TAIL = 4


class SearchRefused(Exception):
    """A search by number this user may not make (400) or not now (429)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Number:
    #: Digits only (and a final X): what ID numbers and the reversed search keys hold.
    digits: str
    #: As a phone is stored (a landline keeps its "-").
    typed: str


def parse(q: str) -> Number | None:
    """The number a query is, or None when it is a name or an address ("12号", "12")."""
    if not NUMBER.match(q):
        return None
    digits = re.sub(r"[^0-9Xx]", "", q).upper()
    if len(digits) < 3 or "X" in digits[:-1]:
        return None  # one or two digits are a house number in an address
    return Number(digits, normalise_phone(q))


def is_whole(number: Number) -> bool:
    return len(number.digits) == 18 or is_phone(number.typed)


def masked_query(number: Number) -> str:
    """The query as the audit log keeps it: never more than a mask shows."""
    digits = number.digits
    if len(digits) == 18:
        return mask_id(digits)
    if is_phone(number.typed) and len(digits) >= 7:
        return mask_phone(digits)
    if len(digits) <= SHOWN_TAIL:
        return digits
    return "*" * (len(digits) - SHOWN_TAIL) + digits[-SHOWN_TAIL:]


class Check:
    """One search by number: allowed or refused, then recorded."""

    def __init__(self, number: Number, scope, user):
        if user is CURRENT_USER:
            user = current_user if has_request_context() else None
            if user is not None and not user.is_authenticated:
                user = ANONYMOUS
        self.number, self.scope, self.user = number, scope, user
        from portal.permissions import can

        self.sensitive = user is None or (user is not ANONYMOUS and can(user, "people.sensitive"))
        #: A whole number searched by someone who sees masks: it must match exactly.
        self.exact = not self.sensitive and is_whole(number)

    def allowed(self) -> bool:
        return self.sensitive or self.exact or len(self.number.digits) == SHOWN_TAIL

    def refuse_if_not_allowed(self) -> None:
        if self.user is None:  # the command line and scripts: nobody to audit or limit
            return
        if self.user is ANONYMOUS:
            raise SearchRefused(_("请先登录。"), 403)
        wait = self._seconds_to_wait()
        if wait:
            self._record(ACTION_LIMITED, refused="rate_limit")
            minutes = max(1, -(-wait // 60))
            raise SearchRefused(_("按号码查找太频繁，已暂停。请 %(minutes)d 分钟后再试，"
                                  "或按姓名、住址查找。", minutes=minutes), 429)
        if not self.allowed():
            self._record(ACTION, refused="partial_number", matches=0)
            raise SearchRefused(_("为保护个人信息，按号码查找只能输入身份证号或手机号的后4位，"
                                  "或完整的号码。"), 400)

    def done(self, matches: int) -> None:
        if self.user is not None:
            self._record(ACTION_MISS if self.exact and not matches else ACTION, matches=matches)

    def _seconds_to_wait(self) -> int:
        config = current_app.config
        wait = self._wait(config["NUMBER_SEARCH_MAX_PER_WINDOW"],
                          config["NUMBER_SEARCH_WINDOW_SECONDS"], (ACTION, ACTION_MISS))
        if self.exact:
            wait = max(wait, self._wait(config["NUMBER_SEARCH_MAX_MISSES"],
                                        config["NUMBER_SEARCH_MISS_WINDOW_SECONDS"],
                                        (ACTION_MISS,)))
        return wait

    def _wait(self, limit: int, seconds: int, actions) -> int:
        """Seconds until the user's searches of ``actions`` in the window fall below ``limit``."""
        window = timedelta(seconds=seconds)
        recent = (select(AuditEntry.at)
                  .where(AuditEntry.user_id == self.user.id,
                         AuditEntry.action.in_(actions),
                         AuditEntry.at >= utcnow() - window)
                  .order_by(AuditEntry.at.desc()).limit(limit))
        times = db.session.scalars(recent).all()
        if len(times) < limit:
            return 0
        # the oldest of the last `limit` searches leaves the window first
        return max(1, int((min(times) + window - utcnow()).total_seconds()))

    def _record(self, action: str, **detail) -> None:
        audit.record(action, None, scope_code=self.scope.code, user=self.user,
                     query=masked_query(self.number), whole=is_whole(self.number),
                     page=request.endpoint if has_request_context() else None, **detail)
        commit_keeping_loaded()


def commit_keeping_loaded() -> None:
    """Commit the audit entry now (a GET page commits nothing, and a refused form rolls back)
    without expiring the rows the page is about to show, which would reload each one."""
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def status_for(refusal: SearchRefused) -> int:
    """The answer's status: htmx swaps only a 2xx answer into the results, so a partial that
    carries the message is a 200; the whole page keeps the refusal's status."""
    from portal.rendering import wants_partial

    return 200 if wants_partial() else refusal.status


class _Anonymous:
    id = None


ANONYMOUS = _Anonymous()



def phone_condition(column, q: str, scope, user=CURRENT_USER):
    """For a list that is searched by phone too (volunteers): ``(condition, check)`` on
    ``column`` under the same rule as the register's search (exact for a whole number, "ends
    with" otherwise), or ``(None, None)`` when ``q`` is no number. Raises SearchRefused; call
    ``check.done(matches)`` once the rows are read."""
    from portal.validators import typed

    number = parse(typed(q))
    if number is None:
        return None, None
    check = Check(number, scope, user)
    check.refuse_if_not_allowed()
    if check.exact:
        return column == number.typed, check
    return column.endswith(number.digits, autoescape=True), check
