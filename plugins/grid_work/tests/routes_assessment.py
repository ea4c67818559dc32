"""The assessment part's rows of the grid_work route matrix (tests/test_routes.py). The world's
scheme is published (its appeal decided first) and its reward is not a major one: the pages show
no form to change them, so every form posted answers with its refusal flashed above the page
(303); the new scheme and the town's numbers, posted empty, are refused beside their fields
(422). A worker's own pages check the scheme's town after the permission: town B's admin is
refused them (403), town B's worker gets 404."""
from portal.testing import Rule

P = "grid_work_assessment"

ROUTES: dict = {
    (f"{P}.index", "GET"): Rule("grid_work.view", scoped=False),
    (f"{P}.mine", "GET"): Rule("grid_work.own", scoped=False),
    (f"{P}.new", "GET"): Rule("grid_work.assess", scoped=False),
    (f"{P}.new", "POST"): Rule("grid_work.assess", ok=422, scoped=False),
    (f"{P}.settings", "GET"): Rule("grid_work.assess", scoped=False),
    (f"{P}.settings", "POST"): Rule("grid_work.assess", ok=422, scoped=False),
    (f"{P}.sheet", "GET"): Rule("grid_work.view"),
    (f"{P}.items", "GET"): Rule("grid_work.assess"),
    (f"{P}.items", "POST"): Rule("grid_work.assess", ok=303),
    (f"{P}.bands", "POST"): Rule("grid_work.assess", ok=303),
    (f"{P}.publish", "POST"): Rule("grid_work.assess", ok=303),
    (f"{P}.subsidy", "GET"): Rule("grid_work.assess"),
    (f"{P}.me", "GET"): Rule("grid_work.own", scoped=False),
    (f"{P}.appeal", "POST"): Rule("grid_work.own", ok=303, scoped=False),
    (f"{P}.worker", "GET"): Rule("grid_work.view"),
    (f"{P}.add_entry", "POST"): Rule("grid_work.manage", ok=303),
    (f"{P}.withdraw_entry", "POST"): Rule("grid_work.manage", ok=303),
    (f"{P}.evidence", "GET"): Rule("grid_work.view"),
    (f"{P}.appeals", "GET"): Rule("grid_work.assess", scoped=False),
    (f"{P}.uphold", "POST"): Rule("grid_work.assess", ok=303),
    (f"{P}.reject", "POST"): Rule("grid_work.assess", ok=303),
    (f"{P}.rewards_list", "GET"): Rule("grid_work.assess", scoped=False),
    (f"{P}.rewards_export", "GET"): Rule("grid_work.assess", scoped=False),
    (f"{P}.reward_amount", "POST"): Rule("grid_work.assess", ok=303),
}
