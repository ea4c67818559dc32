"""How identifiers look to people who do not need them in full."""


def mask_id(value: str | None) -> str:
    """430624195001010016 → 430624********0016: the region stays readable, the birth date not."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "****"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"
