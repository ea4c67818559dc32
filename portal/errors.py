"""The one error a service raises when a rule refuses what a user asked for.

Every domain rule (a case may not be closed twice, a resident already belongs to another group, a
basket costs more points than the account holds …) refuses with ``DomainError``. It carries the
user's message, already translated, and optionally the name of the form field it concerns, so the
view can show it next to that field (portal.web.refuse) and nothing else about the error differs
between modules.
"""


class DomainError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field
