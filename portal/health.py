from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> Response | tuple[Response, int]:
    """For load balancers and monitors: 200 when the portal can reach its database, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy", never a 500
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
