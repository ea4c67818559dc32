"""The module's route tables, one blueprint a part (each with its own templates): the host takes
every Blueprint at module level here (the plugin contract's convention)."""
from .assessment.blueprint import bp as assessment_bp
from .duty.blueprint import bp as duty_bp
from .patrols.blueprint import bp as patrols_bp

__all__ = ["assessment_bp", "duty_bp", "patrols_bp"]
