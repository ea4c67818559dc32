"""The duty part's rows of the grid_work route matrix (tests/test_routes.py). Pages both admins
(grid_work.view) and workers (grid_work.own, their own records) open are the view permission
``also`` the grid worker. The POSTs run in this order for each visitor: the meeting is cancelled
last."""
from portal.testing import Rule

WORKER = ("grid_worker",)

ROUTES: dict = {
    ("grid_work_duty.meetings", "GET"): Rule("grid_work.view", also=WORKER, scoped=False),
    ("grid_work_duty.meeting_new", "GET"): Rule("grid_work.manage", scoped=False),
    ("grid_work_duty.meeting_new", "POST"): Rule("grid_work.manage", ok=422, scoped=False),
    ("grid_work_duty.meeting", "GET"): Rule("grid_work.view", also=WORKER),
    # opening the QR code is the check-in: only workers; another town's token is a 404 (tested)
    ("grid_work_duty.meeting_checkin", "GET"): Rule("grid_work.own", scoped=False),
    ("grid_work_duty.meeting_checkin", "POST"): Rule("grid_work.own", scoped=False),
    ("grid_work_duty.trainings", "GET"): Rule("grid_work.view", also=WORKER, scoped=False),
    ("grid_work_duty.training_new", "GET"): Rule("grid_work.manage", scoped=False),
    ("grid_work_duty.training_new", "POST"): Rule("grid_work.manage", ok=422, scoped=False),
    ("grid_work_duty.credits_page", "GET"): Rule("grid_work.view", also=WORKER, scoped=False),
    ("grid_work_duty.training", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work_duty.leave_list", "GET"): Rule("grid_work.view", also=WORKER, scoped=False),
    ("grid_work_duty.leave_new", "GET"): Rule("grid_work.own", scoped=False),
    ("grid_work_duty.leave_new", "POST"): Rule("grid_work.own", ok=422, scoped=False),
    ("grid_work_duty.leave", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work_duty.letters", "GET"): Rule("grid_work.view", also=WORKER, scoped=False),
    ("grid_work_duty.letter_upload", "POST"): Rule("grid_work.manage", ok=422, scoped=False),
    ("grid_work_duty.letter_photo", "GET"): Rule("grid_work.view", also=WORKER),
    ("grid_work_duty.attendance_mark", "POST"): Rule("grid_work.manage", ok=422),
    ("grid_work_duty.meeting_minutes", "POST"): Rule("grid_work.manage", ok=422),
    # an empty tick list is a valid answer: nobody completed it
    ("grid_work_duty.training_attendees", "POST"): Rule("grid_work.manage", ok=302),
    # not approving needs a reason (422); approving needs none
    ("grid_work_duty.leave_reject", "POST"): Rule("grid_work.manage", ok=422),
    ("grid_work_duty.leave_approve", "POST"): Rule("grid_work.manage", ok=302),
    # only workers cancel (their own); town B's admin is refused before any record
    ("grid_work_duty.leave_cancel", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    ("grid_work_duty.meeting_cancel", "POST"): Rule("grid_work.manage", ok=303),
}
