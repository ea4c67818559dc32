"""Every core model, imported in one place so that the metadata (and Alembic) sees them all."""
from portal.audit.models import AuditEntry  # noqa: F401
from portal.auth.models import LoginAttempt, User  # noqa: F401
from portal.grids.models import Grid, GridStaff  # noqa: F401
from portal.modules.models import TownModule  # noqa: F401
from portal.people.models import (House, Household, KeyPerson, Resident,  # noqa: F401
                                  ResidentCare, Visit, VisitPhoto)
from portal.settings.models import TownSetting  # noqa: F401
from portal.cases.models import (ApiKey, CalendarDay, CalendarYear, Case,  # noqa: F401
                                 CaseEvent, CasePhoto, ResponseTemplate, SupervisionNotice)
from portal.cases.kind_models import ApprovalStep, Consultation  # noqa: F401
from portal.cases.loop_models import CaseCallback, CaseMeToo  # noqa: F401
from portal.maps.models import GridBoundary  # noqa: F401
from portal.departments.models import CaseAssist, Department, DepartmentReturn  # noqa: F401
from portal.notifications.models import Notification, NotificationSetting  # noqa: F401
from portal.documents.models import DocumentBatch  # noqa: F401
