"""The grid workers' work module's tables, one module per part of the work (imported here so
that the host finds them all before the migrations and create_all)."""
from plugins.grid_work.assessment.models import (GridWorkAppeal, GridWorkEntry, GridWorkItem,
                                                 GridWorkReward, GridWorkScheme, GridWorkScore)
from plugins.grid_work.duty.models import (GridWorkAttendance, GridWorkLeave, GridWorkLetter,
                                           GridWorkMeeting, GridWorkTraining,
                                           GridWorkTrainingAttendee)
from plugins.grid_work.patrols.models import (GridWorkCheckpoint, GridWorkLogDay,
                                              GridWorkPatrol, GridWorkPatrolPoint)

__all__ = ["GridWorkAppeal", "GridWorkAttendance", "GridWorkCheckpoint", "GridWorkEntry",
           "GridWorkItem", "GridWorkLeave", "GridWorkLetter", "GridWorkLogDay", "GridWorkMeeting",
           "GridWorkPatrol", "GridWorkPatrolPoint", "GridWorkReward", "GridWorkScheme",
           "GridWorkScore", "GridWorkTraining", "GridWorkTrainingAttendee"]
