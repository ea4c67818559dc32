"""Every route in the URL map, for every role and for anonymous visitors.

A new page that is not in ROUTES fails this test: add it with the rule it follows, and the test
then checks that the page really enforces it.
"""
import pytest
from PIL import Image

from portal.cases.models import ApiKey, Case, ResponseTemplate
from portal.cases.open311_keys import issue
from portal.cases.kind_models import Consultation
from portal.documents.batch import folder as document_folder
from portal.documents.models import DocumentBatch
from portal.extensions import db
from portal.notifications.models import Notification
from portal.notifications.outbox import notify
from portal.grids.models import GridStaff
from portal.people.models import VisitPhoto
from portal.people.visits import record_visit
from portal.timeutil import local_today
from portal.testing import LOGIN, PUBLIC, VISITORS, Rule, check_routes, routes_of, tree_users
from portal.uploads import photo_dir

ROUTES = {
    ("home.index", "GET"): Rule(LOGIN, scoped=False),
    ("health.healthz", "GET"): Rule(PUBLIC, scoped=False),
    ("auth.login", "GET"): Rule(PUBLIC, scoped=False),
    ("auth.login", "POST"): Rule(PUBLIC, ok=422, scoped=False),
    ("auth.logout", "POST"): Rule(LOGIN, ok=302, scoped=False),
    ("auth.change_password", "GET"): Rule(LOGIN, scoped=False),
    ("auth.change_password", "POST"): Rule(LOGIN, ok=422, scoped=False),  # nothing filled in
    ("auth.set_language", "POST"): Rule(PUBLIC, ok=302, scoped=False, data=(("lang", "zh_CN"),)),
    ("public.notice", "GET"): Rule(PUBLIC, scoped=False),
    ("public.qr", "GET"): Rule(PUBLIC, scoped=False),
    ("public.photo", "GET"): Rule(PUBLIC, scoped=False),
    ("grids.index", "GET"): Rule("grids.view", ok=302, scoped=False),
    ("grids.search", "GET"): Rule("grids.view", scoped=False),
    ("grids.show", "GET"): Rule("grids.view"),
    ("grids.card", "GET"): Rule("grids.view"),
    ("grids.staff_photo", "GET"): Rule("grids.view"),
    ("grids.create", "GET"): Rule("grids.manage"),
    ("grids.create", "POST"): Rule("grids.manage", ok=422),
    ("grids.edit", "GET"): Rule("grids.manage"),
    ("grids.edit", "POST"): Rule("grids.manage", ok=302),  # unchanged fields come from the record
    ("grids.inline_name", "GET"): Rule("grids.manage"),
    ("grids.inline_name", "POST"): Rule("grids.manage", ok=422),
    ("grids.move", "GET"): Rule("grids.manage"),
    ("grids.move", "POST"): Rule("grids.manage", ok=422),
    ("grids.staff_new", "GET"): Rule("grids.manage"),
    ("grids.staff_new", "POST"): Rule("grids.manage", ok=422),
    ("grids.staff_edit", "GET"): Rule("grids.manage"),
    ("grids.staff_edit", "POST"): Rule("grids.manage", ok=302),
    ("grids.retire", "POST"): Rule("grids.manage", ok=303),
    ("grids.restore", "POST"): Rule("grids.manage", ok=303),
    ("grids.staff_end", "POST"): Rule("grids.manage", ok=303),
    ("admin.users_list", "GET"): Rule("users.manage", scoped=False),
    ("admin.user_new", "GET"): Rule("users.manage", scoped=False),
    ("admin.user_new", "POST"): Rule("users.manage", ok=422, scoped=False),
    ("admin.user_edit", "GET"): Rule("users.manage"),
    ("admin.user_edit", "POST"): Rule("users.manage", ok=422),
    ("admin.user_unlock", "POST"): Rule("users.manage", ok=303),
    ("admin.modules_page", "GET"): Rule("modules.manage", scoped=False),
    ("admin.module_switch", "POST"): Rule("modules.manage", ok=302, data=(("enabled", "1"),)),
    # (without a state: 422 beside the button, test_plugins.py)
    ("admin.audit_log", "GET"): Rule("audit.view", scoped=False),
    # the admins' outbox (portal/notifications/outbox_views.py): the route's row is town A's
    # failed SMS; retried once, a second retry is refused with a flash (303 too); the digest
    # time posted empty is refused beside its field (a county admin: which town? 422 too)
    ("outbox.index", "GET"): Rule("audit.view", scoped=False),
    ("outbox.retry", "POST"): Rule("settings.manage", ok=303),
    ("outbox.digest_time", "POST"): Rule("settings.manage", ok=422, scoped=False),
    ("people.index", "GET"): Rule("people.view", scoped=False),
    ("people.households", "GET"): Rule("people.view", scoped=False),
    ("people.household_new", "GET"): Rule("people.manage"),
    ("people.household_new", "POST"): Rule("people.manage", ok=422),
    ("people.household", "GET"): Rule("people.view"),
    ("people.household_edit", "GET"): Rule("people.manage"),
    ("people.household_edit", "POST"): Rule("people.manage", ok=302),  # fields from the record
    ("people.household_move", "GET"): Rule("people.manage"),
    ("people.household_move", "POST"): Rule("people.manage", ok=422),
    ("people.household_move_out", "POST"): Rule("people.manage", ok=303),
    ("people.household_head", "GET"): Rule("people.manage"),
    ("people.household_head", "POST"): Rule("people.manage", ok=422),
    ("people.resident_new", "GET"): Rule("people.manage"),
    ("people.resident_new", "POST"): Rule("people.manage", ok=422),
    ("people.resident", "GET"): Rule("people.view"),
    ("people.resident_reveal", "POST"): Rule("people.sensitive"),
    ("people.resident_edit", "GET"): Rule("people.manage"),
    ("people.resident_edit", "POST"): Rule("people.manage", ok=302),  # fields from the record
    ("people.resident_move", "GET"): Rule("people.manage"),
    ("people.resident_move", "POST"): Rule("people.manage", ok=422),
    ("people.resident_leave", "POST"): Rule("people.manage", ok=303),
    ("visits.due", "GET"): Rule("people.view", scoped=False),
    ("visits.new", "GET"): Rule("visits.record"),
    ("visits.new", "POST"): Rule("visits.record", ok=422),
    ("visits.rules", "GET"): Rule("settings.manage", scoped=False),
    ("visits.rules", "POST"): Rule("settings.manage", ok=302, scoped=False),  # current values
    # issue 23: grid size standards and information completeness (信息采集率)
    ("grid_size.index", "GET"): Rule("people.view", scoped=False),
    ("grid_size.standard", "GET"): Rule("settings.manage", scoped=False),
    ("grid_size.standard", "POST"): Rule("settings.manage", ok=302, scoped=False),
    # the town's staff posts (a POST without fields keeps the list shown)
    ("grid_posts.settings", "GET"): Rule("settings.manage", scoped=False),
    ("grid_posts.settings", "POST"): Rule("settings.manage", ok=302, scoped=False),
    # a staff member's 联户 page; the route's staff is a 网格员, so linking is refused beside the
    # field and unlinking (no link) is flashed
    ("representatives.households", "GET"): Rule("people.view"),
    ("representatives.households", "POST"): Rule("people.manage", ok=422),
    ("representatives.unlink", "POST"): Rule("people.manage", ok=303),
    ("completeness.index", "GET"): Rule("people.view", scoped=False),
    ("completeness.grid", "GET"): Rule("people.view"),
    ("completeness.rules", "GET"): Rule("settings.manage", scoped=False),
    # (posted empty: no field ticked, refused beside the fields)
    ("completeness.rules", "POST"): Rule("settings.manage", ok=422, scoped=False),
    ("keypersons.index", "GET"): Rule("people.key_persons", scoped=False, denied=404),
    ("keypersons.show", "GET"): Rule("people.key_persons", denied=404),
    ("keypersons.new", "GET"): Rule("people.key_persons", denied=404),
    ("keypersons.new", "POST"): Rule("people.key_persons", ok=422, denied=404),
    ("keypersons.close", "POST"): Rule("people.key_persons", ok=303, denied=404),
    ("transfer.template", "GET"): Rule("people.import", scoped=False),
    ("transfer.import_page", "GET"): Rule("people.import", scoped=False),
    ("transfer.import_page", "POST"): Rule("people.import", ok=422, scoped=False),
    ("transfer.import_good_rows", "POST"): Rule("people.import", ok=302, scoped=False),
    ("transfer.export", "GET"): Rule("people.view", scoped=False),
    ("public.report_case", "GET"): Rule(PUBLIC, scoped=False),
    ("public.report_case", "POST"): Rule(PUBLIC, ok=422, scoped=False),
    ("cases.index", "GET"): Rule("cases.view", scoped=False),
    ("cases.new", "GET"): Rule("cases.report", scoped=False),
    ("cases.new", "POST"): Rule("cases.report", ok=422, scoped=False),
    ("cases.show", "GET"): Rule("cases.view"),
    ("cases.stats", "GET"): Rule("cases.view", scoped=False),
    ("case_rules.rules", "GET"): Rule("settings.manage", scoped=False),
    ("case_rules.rules", "POST"): Rule("settings.manage", ok=422, scoped=False),  # no category
    ("case_rules.template_add", "POST"): Rule("settings.manage", ok=422, scoped=False),
    ("case_rules.template_delete", "POST"): Rule("settings.manage", ok=303),
    ("cases.export", "GET"): Rule("cases.view", scoped=False),
    ("people.residents", "GET"): Rule("people.view", scoped=False),
    ("dashboard.index", "GET"): Rule("dashboard.view", scoped=False),
    ("dashboard.wall", "GET"): Rule("dashboard.view", scoped=False),
    ("dashboard.unstaffed", "GET"): Rule("dashboard.view", scoped=False),
    ("dashboard.export", "GET"): Rule("dashboard.view", scoped=False),
    ("maps.index", "GET"): Rule("grids.view", scoped=False),
    ("maps.data", "GET"): Rule("grids.view", scoped=False),
    ("maps.import_boundaries", "GET"): Rule("grids.manage", scoped=False),
    ("maps.import_boundaries", "POST"): Rule("grids.manage", ok=422, scoped=False),
    ("maps.draw", "GET"): Rule("grids.manage"),
    ("maps.draw", "POST"): Rule("grids.manage", ok=422),
    ("maps.remove", "POST"): Rule("grids.manage", ok=302),
    # "使用当前位置": is the point in the grid (JSON); without lat/lon it says the coordinates
    # are invalid (400)
    ("maps.contains", "GET"): Rule("grids.view", ok=400),
    ("visits.photo", "GET"): Rule("people.view"),
    # the phone without signal (portal/offline): the installable app's files and the page shown
    # without network are everyone's (nothing personal in them); the queue and the fresh CSRF
    # token are a logged-in user's; the carried household list and the one visit form for all
    # households are for who records visits, in their own scope
    ("pwa.service_worker", "GET"): Rule(PUBLIC, scoped=False),
    ("pwa.manifest", "GET"): Rule(PUBLIC, scoped=False),
    ("offline.fallback", "GET"): Rule(PUBLIC, scoped=False),
    ("offline.csrf", "GET"): Rule(LOGIN, scoped=False),
    ("offline.queue", "GET"): Rule(LOGIN, scoped=False),
    ("offline.households", "GET"): Rule("visits.record", scoped=False),
    ("offline.visit_form", "GET"): Rule("visits.record", scoped=False),
    ("cases.photo", "GET"): Rule("cases.view"),
    # the URL names the action "assign" on a case just received: dispatchers only
    ("cases.act", "GET"): Rule("cases.dispatch"),
    ("cases.act", "POST"): Rule("cases.dispatch", ok=422),
    # coordination and approval cases (portal/cases/kinds_views.py): consultations and the lead
    # by a dispatcher at the case's level; the case is an approval case just received, whose
    # acceptance (受理) is a handler's; its decision page reads as its progress until decided
    ("case_kinds.consultation_new", "GET"): Rule("cases.dispatch"),
    ("case_kinds.consultation_new", "POST"): Rule("cases.dispatch", ok=422),
    ("case_kinds.consultation_minutes", "GET"): Rule("cases.dispatch"),
    ("case_kinds.consultation_minutes", "POST"): Rule("cases.dispatch", ok=422),
    ("case_kinds.lead", "GET"): Rule("cases.dispatch"),
    ("case_kinds.lead", "POST"): Rule("cases.dispatch", ok=422),
    ("case_kinds.approval_step", "GET"): Rule("cases.handle"),
    ("case_kinds.approval_step", "POST"): Rule("cases.handle", ok=422),
    ("case_kinds.decision", "GET"): Rule("cases.view"),
    ("admin.calendar", "GET"): Rule("calendar.manage", scoped=False),
    ("admin.calendar", "POST"): Rule("calendar.manage", ok=422, scoped=False),
    ("admin.open311_keys", "GET"): Rule("modules.manage", scoped=False),
    ("admin.open311_keys", "POST"): Rule("modules.manage", scoped=False),  # issues a key
    ("admin.open311_revoke", "POST"): Rule("modules.manage", ok=303),
    # the API answers machines; without a jurisdiction_id it says so (400)
    ("open311.discovery", "GET"): Rule(PUBLIC, scoped=False),
    ("open311.services", "GET"): Rule(PUBLIC, ok=400, scoped=False),
    ("open311.service_definition", "GET"): Rule(PUBLIC, ok=400, scoped=False),
    ("open311.requests_", "GET"): Rule(PUBLIC, ok=400, scoped=False),
    ("open311.requests_", "POST"): Rule(PUBLIC, ok=400, scoped=False),
    ("open311.request_one", "GET"): Rule(PUBLIC, ok=400, scoped=False),
    # the example plugin, switched on for town A only
    ("example.index", "GET"): Rule("example.view", also=("resident",)),
    ("example.public", "GET"): Rule(PUBLIC, scoped=False),
    ("example.static", "GET"): Rule(PUBLIC, scoped=False),
    # the town's intake queue (待分派): a village's admin may dispatch but never sees the town's
    # own intake case; posting no grid is refused beside the field
    ("cases_intake.index", "GET"): Rule("cases.dispatch", scoped=False),
    ("cases_intake.place", "GET"): Rule("cases.dispatch", unseen=("village_admin",)),
    ("cases_intake.place", "POST"): Rule("cases.dispatch", ok=422, unseen=("village_admin",)),
    # departments (portal.departments): the admin page (town A's 派出所 to edit; a new one
    # without a name is refused beside its field) and the inbox of whoever handles cases
    ("departments.admin_list", "GET"): Rule("settings.manage", scoped=False),
    ("departments.admin_list", "POST"): Rule("settings.manage", ok=422, scoped=False),
    ("departments.admin_edit", "GET"): Rule("settings.manage"),
    ("departments.admin_edit", "POST"): Rule("settings.manage", ok=302),  # fields from the record
    ("departments.inbox", "GET"): Rule("cases.handle", scoped=False),
    # today's work (portal.today): the user's own list in full and as the A5 day sheet
    ("today.index", "GET"): Rule(LOGIN, scoped=False),
    ("today.sheet", "GET"): Rule(LOGIN, scoped=False),
    # the resident's own loop (portal/cases/my_cases.py): the route's case was reported by the
    # grid worker, so every other reporter is told it does not exist
    ("my_cases.index", "GET"): Rule("cases.report", scoped=False),
    ("my_cases.show", "GET"): Rule("cases.report",
                                   unseen=tuple(u for u in tree_users() if u != "grid_worker")),
    # the reporter may not rate a case just received: refused beside the stars
    ("my_cases.rate_case", "POST"): Rule("cases.report", ok=422,
                                         unseen=tuple(u for u in tree_users()
                                                      if u != "grid_worker")),
    # /track (portal/cases/tracking.py): a wrong answer is refused beside the form; a case's page
    # and its rating answer 404 to whoever has not proved it (the number: see OVERRIDES), as a
    # forged receipt token does
    ("track.lookup", "GET"): Rule(PUBLIC, scoped=False),
    ("track.lookup", "POST"): Rule(PUBLIC, ok=422, scoped=False),
    ("track.show", "GET"): Rule(PUBLIC, ok=404, scoped=False),
    ("track.rate_case", "POST"): Rule(PUBLIC, ok=404, scoped=False),
    ("track.receipt", "GET"): Rule(PUBLIC, ok=404, scoped=False),
    # 回访 (portal/cases/callbacks.py): the case is not due for a call-back, refused beside the form
    ("callbacks.index", "GET"): Rule("cases.callback", scoped=False),
    ("callbacks.call", "GET"): Rule("cases.callback"),
    ("callbacks.call", "POST"): Rule("cases.callback", ok=422),
    # 我也遇到 (portal/cases/me_too.py): the hints, and joining (a refusal is flashed, 303 too)
    ("me_too.hints", "GET"): Rule("cases.report", scoped=False),
    ("me_too.join_case", "POST"): Rule("cases.report", ok=303),
    ("me_too.public_hints", "GET"): Rule(PUBLIC, scoped=False),
    ("me_too.public_join", "POST"): Rule(PUBLIC, ok=303, scoped=False),  # no phone: back
    # the inbox (portal/notifications/inbox.py): the route's message is the grid worker's, so it
    # does not exist for anyone else; opening it follows its link
    ("inbox.index", "GET"): Rule(LOGIN, scoped=False),
    ("inbox.show", "GET"): Rule(LOGIN, ok=302,
                                unseen=tuple(u for u in tree_users() if u != "grid_worker")),
    ("inbox.read_all", "POST"): Rule(LOGIN, ok=303, scoped=False),
    # one's own notification choices: nothing filled in is valid (the defaults, no quiet hours)
    ("my_notifications.notifications", "GET"): Rule(LOGIN, scoped=False),
    ("my_notifications.notifications", "POST"): Rule(LOGIN, ok=302, scoped=False),
    # printed documents (portal/documents): grid A1's poster; village A1's letters as a batch
    # (made and done with the case), which a grid worker's grid does not hold
    ("documents.index", "GET"): Rule("grids.view", scoped=False),
    ("documents.show", "GET"): Rule("grids.view"),
    ("documents.pdf", "GET"): Rule("grids.view"),
    ("documents.batch_new", "POST"): Rule("people.view", ok=303, unseen=("grid_worker",)),
    ("documents.batch", "GET"): Rule("people.view", unseen=("grid_worker",)),
    ("documents.batch_file", "GET"): Rule("people.view", unseen=("grid_worker",)),
    # 样板间 (portal/town_templates): the page of one's own town (a county admin's first); town
    # A's file, a 404 for town B's admin; an upload or a confirmation without a file is refused
    # beside the field
    ("town_templates.index", "GET"): Rule("settings.template", scoped=False),
    ("town_templates.export", "GET"): Rule("settings.template"),
    ("town_templates.preview", "POST"): Rule("settings.template", ok=422, scoped=False),
    ("town_templates.apply", "POST"): Rule("settings.template", ok=422, scoped=False),
}

def url_values(tree, staff, entry, case):
    return {
        "case_id": case.id, "photo_id": case.photos[0].id, "action": "assign",
        "step": "accept", "consultation_id": db.session.scalar(  # made with the case
            db.select(Consultation.id).filter_by(case_id=case.id)),
        "fmt": "json", "code": "hazard", "number": case.number,
        "household_id": tree.household_a.id, "resident_id": tree.resident_a.id,
        "entry_id": entry.id, "token": "x" * 32, "kind": "residents",
        "grid_id": tree.grid_a1.id, "staff_id": staff.id, "grid_code": tree.grid_a1.code,
        "user_id": tree.users["grid_worker"].id, "town_id": tree.town_a.id, "name": "example",
        "town_code": tree.town_a.code, "filename": "example.css",
        "template_id": db.session.scalar(db.select(ResponseTemplate.id)  # made with the case
                                         .filter_by(town_id=tree.town_a.id)),
        "key_id": db.session.scalar(db.select(ApiKey.id)  # made with the case
                                    .filter_by(town_id=tree.town_a.id)),
        "visit_photo_id": db.session.scalar(db.select(VisitPhoto.id)  # made with the case
                                            .order_by(VisitPhoto.id)),
        "intake_case_id": db.session.scalar(db.select(Case.id)  # made with the case
                                            .filter_by(grid_id=tree.town_a.id)),
        "department_id": tree.departments["police_a"].id,
        "notification_id": db.session.scalar(db.select(Notification.id)  # made with the case
                                             .filter_by(user_id=tree.users["grid_worker"].id)),
        "outbox_id": db.session.scalar(db.select(Notification.id)  # made with the case
                                       .filter_by(key="route:outbox")),
        "subject_id": tree.grid_a1.id, "node_id": tree.village_a1.id,
        "batch_id": db.session.scalar(db.select(DocumentBatch.id)  # made with the case
                                      .filter_by(node_id=tree.village_a1.id)),
    }


OVERRIDES = {"grids.create": {"grid_id": "village_a1", "level": "grid"},
             "documents.show": {"code": "grid_poster"}, "documents.pdf": {"code": "grid_poster"},
             "documents.batch_new": {"code": "household_letter"},
             # a number nobody proved in the session (the grid worker reported the route's case)
             "track.show": {"number": "20990101-000001"},
             "track.rate_case": {"number": "20990101-000001"}}
#: Query arguments some pages need.
QUERY = {"people.household_new": {"grid": "grid_a1"}, "maps.contains": {"grid": "grid_a1"},
         # a node's attribute other than its id after a dot
         "town_templates.export": {"town": "town_a.code"}}


def build_url(app, tree, staff, entry, case, endpoint, arguments):
    from flask import url_for

    values = url_values(tree, staff, entry, case)
    for key, value in OVERRIDES.get(endpoint, {}).items():
        values[key] = getattr(tree, value).id if key == "grid_id" else value
    query = {key: getattr(getattr(tree, value.partition(".")[0]), value.partition(".")[2] or "id")
             for key, value in QUERY.get(endpoint, {}).items()}
    with app.test_request_context():
        return url_for(endpoint, **{a: values[a] for a in arguments}, **query)


@pytest.fixture
def case(tree, staff):
    from portal.cases.services import report, report_unplaced

    reported = report(tree.grid_a1, category="hazard", title="路灯不亮", description="村口",
                      source="patrol", reporter=tree.users["grid_worker"], photos=[staff.photo],
                      kind="approval")
    # and a consultation (会商) on it, for its minutes
    db.session.add(Consultation(case_id=reported.id, scheduled_at=reported.created_at,
                                place="村委会", participants="当事人", plan="协商"))
    # in the inbox of the county's 民政局, whose staff (dept_staff) see only their department's
    reported.department_id = tree.departments["county"].id
    # and a case in town A's intake queue (no base grid found), for cases_intake.place
    report_unplaced(tree.town_a, category="need", title="待分派的事件", description="只有地址",
                    source="open311", reporter_phone="13812345678", address="文星镇某处")
    # and town A's reply template, for the case rules page's delete button
    db.session.add(ResponseTemplate(town_id=tree.town_a.id, title="已修复", text="已处理"))
    # and town A's Open311 key, for the keys page's revoke button
    issue(tree.town_a, "12345热线")
    # and a message in the grid worker's inbox, for inbox.show
    notify("case_assigned", f"route:{reported.id}", subject="事件分派给您", body="路灯不亮",
           link=f"/cases/{reported.id}", users=[tree.users["grid_worker"]])
    # and town A's SMS that failed, for the admins' outbox (outbox.retry)
    db.session.add(Notification(key="route:outbox", event="case_assigned", channel="sms",
                                town_id=tree.town_a.id, subject="路灯不亮", body="请处理",
                                address="13812345678", state="failed", attempts=1))
    # and village A1's letters printed in one batch, for the documents' batch pages
    batch = DocumentBatch(kind="household_letter", node_id=tree.village_a1.id, total=2, done=2,
                          base_url="http://localhost", state="done", pdf_name="route-batch.pdf")
    db.session.add(batch)
    (document_folder() / "route-batch.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    # and a visit with a photo in town A, for visits.photo
    record_visit(tree.household_a, tree.users["grid_worker"], local_today(), "走访",
                 photos=[staff.photo])
    db.session.commit()
    return reported


@pytest.fixture
def key_person(tree):
    from portal.people.models import KeyPerson

    entry = KeyPerson(resident_id=tree.resident_a.id, category="petitioner")
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def staff(tree):
    name = "route-test.jpg"
    Image.new("RGB", (10, 10)).save(photo_dir() / name, "JPEG")
    member = GridStaff(grid_id=tree.grid_a1.id, post="worker", name="测试", photo=name)
    db.session.add(member)
    db.session.commit()
    return member


def test_every_route_is_in_the_matrix(app):
    routes = set(routes_of(app, plugin=None)) | set(routes_of(app, plugin="example"))
    assert routes - set(ROUTES) == set(), "new routes: add them to ROUTES with their rule"
    assert set(ROUTES) - routes == set(), "ROUTES names routes that no longer exist"


@pytest.mark.parametrize("visitor", VISITORS, ids=[v or "anonymous" for v in VISITORS])
def test_every_route_answers_as_the_matrix_says(app, client, example_on, staff, key_person,
                                                case, visitor):
    def url(endpoint, arguments):
        return build_url(app, example_on, staff, key_person, case, endpoint, arguments)

    check_routes(app, client, ROUTES, visitor, url)
