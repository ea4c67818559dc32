"""The duty part's records in the test world (see plugins/grid_work/testing.py): in town A a
meeting of 城西社区 held today (the worker invited, its QR code open), a training of 城西社区 this
year the worker completed, the worker's pending leave starting in a week, and a page of their
signed responsibility letter for this year."""
from datetime import timedelta

from PIL import Image

from portal.extensions import db
from portal.timeutil import local_today
from portal.uploads import photo_dir

#: Strings only town A's records of this part contain: no town-B page may show them.
MEETING_TITLE = "城西社区网格员周例会甲"
TRAINING_TITLE = "网格员矛盾调解培训乙"
MARKERS: tuple[str, ...] = (MEETING_TITLE, TRAINING_TITLE)
LETTER = "grid-work-letter-test.jpg"


def make(world) -> None:
    """Add this part's town-A records to ``world`` (a SimpleNamespace with tree and worker)."""
    from .models import GridWorkLetter
    from .services import call_meeting, hold_training, request_leave, set_attendees

    tree, worker = world.tree, world.worker
    admin = tree.users["village_admin"]
    today = local_today()
    world.duty_meeting = call_meeting(tree.village_a1, title=MEETING_TITLE, held_on=today,
                                      place="城西社区会议室", agenda="本周走访情况", actor=admin)
    world.duty_attendance = world.duty_meeting.attendance[0]
    world.duty_training = hold_training(tree.village_a1, title=TRAINING_TITLE,
                                        held_on=today, credit_tenths=10, hours=2, actor=admin)
    set_attendees(world.duty_training, [worker.id], actor=admin)
    world.duty_leave = request_leave(worker, starts_on=today + timedelta(days=7),
                                     ends_on=today + timedelta(days=9), reason="探亲")
    photo_dir().mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (10, 10)).save(photo_dir() / LETTER, "JPEG")
    world.duty_letter = GridWorkLetter(worker_id=worker.id, grid_id=worker.scope_id,
                                       year=today.year, photo=LETTER)
    db.session.add(world.duty_letter)
    db.session.flush()


def url_values(world) -> dict:
    return {"meeting_id": world.duty_meeting.id, "attendance_id": world.duty_attendance.id,
            "checkin_token": world.duty_meeting.checkin_token,
            "training_id": world.duty_training.id, "leave_id": world.duty_leave.id,
            "letter_id": world.duty_letter.id}


def listed(world) -> list:
    """What the part's county lists show of its route world, by which attribute."""
    return [(world.duty_meeting, "title"), (world.duty_training, "title")]
