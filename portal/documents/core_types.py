"""The core's kinds of document, gathered from the modules that make them."""
from portal.documents import ledgers, letters, reports, supervision

CORE_TYPES = (*letters.TYPES, *reports.TYPES, *supervision.TYPES, *ledgers.TYPES)
