from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField


class BoundaryForm(FlaskForm):
    """A boundary drawn on the map (the page's script fills in the GeoJSON); the service reads
    and checks the geometry (portal.maps.geojson)."""
    geometry = TextAreaField(_l("边界（GeoJSON）"))
