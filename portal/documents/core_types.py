"""The core's kinds of document, gathered from the modules that make them."""
from portal.documents import ledgers, letters, reports, supervision
from portal.people import household_file

CORE_TYPES = (*letters.TYPES, *reports.TYPES, *supervision.TYPES, *ledgers.TYPES,
              *household_file.TYPES)
