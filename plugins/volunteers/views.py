"""Kept so ``from .views import bp`` still finds the blueprint; the pages are in the area modules
and the route table in blueprint.py."""
from .blueprint import bp  # noqa: F401
