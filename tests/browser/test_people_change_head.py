"""更换户主 on a 375 px phone: the household page's button, the form refusing a step left out
next to its field, and the household showing its new head."""
from portal.browser_testing import login, shot
from portal.extensions import db
from portal.people.models import Resident


def test_a_grid_worker_changes_the_head_on_a_phone(phone, live_server, tree, tmp_path):
    login(phone, live_server, "grid_worker")
    phone.goto(f"{live_server}/people/households/{tree.household_a.id}")
    phone.get_by_role("link", name="更换户主").click()
    phone.wait_for_url(f"**/people/households/{tree.household_a.id}/head")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_label("新户主").select_option(label="李秀英 · 配偶")
    phone.get_by_role("button", name="更换户主").click()
    error = phone.locator("#old_relation-errors")
    error.wait_for()
    assert "请选择原户主张三丰改为什么关系" in error.inner_text() and error.is_visible()
    shot(phone, tmp_path, "change-head-refused")
    phone.get_by_label("原户主改为").select_option(label="配偶")
    phone.get_by_role("button", name="更换户主").click()
    phone.wait_for_url(f"**/people/households/{tree.household_a.id}")
    assert phone.get_by_text("李秀英现在是户主").is_visible()
    shot(phone, tmp_path, "change-head-done")
    db.session.expire_all()
    heads = db.session.scalars(db.select(Resident.name).filter_by(
        household_id=tree.household_a.id, relation="head")).all()
    assert heads == ["李秀英"]
