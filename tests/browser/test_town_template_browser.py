"""A town's settings as a template (样板间) on a 375 px phone: the county admin downloads the
model town's file, uploads it for another town, reads the preview of what changes and
confirms; the other town then has the model's rules."""
from sqlalchemy import select

from portal.browser_testing import login, shot
from portal.extensions import db
from portal.people.visits import visit_days
from portal.plugin_testing import needs_plugin
from tests.test_town_template import VISITS, model  # noqa: F401 (fixture)

pytestmark = needs_plugin("points", "best_grid", "mutual_aid", "disputes", "volunteers")


def test_export_preview_and_confirm_on_a_phone(phone, live_server, tree, model, tmp_path):  # noqa: F811
    from plugins.points.models import PointsRule

    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.on("dialog", lambda dialog: dialog.accept())  # "确认把以上…项改动写入…？"
    login(phone, live_server, "county_admin")

    # found from the modules page, where the town's other settings are linked
    phone.goto(f"{live_server}/admin/modules?town={tree.town_a.code}")
    phone.get_by_role("link", name="样板间：导出、导入本镇设置").click()
    phone.wait_for_url(f"**/admin/town-template?town={tree.town_a.code}")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载样板间文件").click()
    assert download.value.suggested_filename.startswith("文星镇-样板间-")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone, tmp_path, "town-template-page")

    # uploaded for 樟树镇: the preview lists what changes, nothing written yet
    phone.get_by_label("导入到哪个镇(街道)").select_option(tree.town_b.code)
    phone.get_by_label("样板间文件(JSON)").set_input_files(str(saved))
    phone.get_by_role("button", name="上传并查看改动").click()
    preview = phone.locator("#template-preview")
    preview.wait_for()
    text = preview.inner_text()
    assert "导入樟树镇前的改动预览" in text and "样板来自：文星镇" in text
    assert "积分事项“文明卫生户”" in text and "荷叶积分超市：食用油" in text
    assert "志愿服务" in phone.locator("#template-skipped").inner_text()
    assert db.session.scalar(select(PointsRule.id).filter_by(town_id=tree.town_b.id)) is None
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    preview.scroll_into_view_if_needed()
    shot(phone, tmp_path, "town-template-preview")

    # confirmed: written, and said so
    phone.get_by_role("button", name="确认导入樟树镇").click()
    phone.get_by_text("已把样板间导入樟树镇", exact=False).wait_for()
    shot(phone, tmp_path, "town-template-done")
    db.session.expire_all()
    assert visit_days(tree.town_b) == VISITS
    assert {r.name for r in db.session.scalars(select(PointsRule).filter_by(
        town_id=tree.town_b.id))} == {"参加村道清扫", "文明卫生户"}
    assert not errors, errors
