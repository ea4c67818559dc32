from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC, the one form every database we run on stores alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
