"""The grid tree: codes, names, moves, retirement, counts, staff, the public notice board."""
import io

import pytest
from PIL import Image

from portal.audit.models import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.grids import services
from portal.grids.models import Grid, GridStaff


def test_codes_encode_the_path_and_special_grids_count_from_900(tree):
    assert tree.county.code == "430624"
    assert tree.town_a.code == "430624001"
    assert tree.town_b.code == "430624002"
    assert tree.village_a1.code == "430624001001"
    assert tree.grid_a1.code == "430624001001001"
    assert tree.grid_a2.code == "430624001001002"
    assert tree.special_a.code == "430624001001900"
    another = services.create_grid(tree.village_a1, "grid", "第三网格")
    assert another.code == "430624001001003"  # the special grid does not use up a base number


def test_codes_are_never_reused_after_retirement(tree):
    services.retire_grid(tree.grid_a2)
    new = services.create_grid(tree.village_a1, "grid", "第二网格")  # the name is free again
    assert new.code == "430624001001003"


def test_names_are_unique_among_siblings_only(tree):
    with pytest.raises(DomainError) as error:
        services.create_grid(tree.village_a1, "grid", "第一网格")
    assert error.value.field == "name"
    # the same name under another village is fine
    assert services.create_grid(tree.village_a2, "grid", "第一网格").code.endswith("002")


def test_levels_only_go_where_they_belong(tree):
    with pytest.raises(DomainError):
        services.create_grid(tree.grid_a1, "grid", "不能")
    with pytest.raises(DomainError):
        services.create_grid(tree.county, "village", "不能")
    with pytest.raises(DomainError):
        services.create_grid(tree.town_a, "special", "没有类型")  # special needs a kind
    town_special = services.create_grid(tree.town_a, "special", "镇农贸市场", special_kind="market")
    assert town_special.code == "430624001900"


def test_move_recodes_the_whole_subtree_and_keeps_history(tree):
    old_code = tree.village_a1.code
    services.move_grid(tree.village_a1, tree.town_b)
    db.session.commit()
    assert tree.village_a1.code == "430624002002"
    assert tree.grid_a1.code == "430624002002001"
    assert tree.special_a.code == "430624002002900"
    assert tree.village_a1.parent_id == tree.town_b.id
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="grid.move"))
    assert entry.detail_dict["old_code"] == old_code
    assert entry.detail_dict["nodes"] == 4
    # counts follow the move: town B now has its own 2 households plus village A1's 2
    assert services.counts_under(tree.town_b).households == 3
    assert services.counts_under(tree.town_a).households == 1


def test_move_refuses_loops_wrong_levels_and_name_clashes(tree):
    with pytest.raises(DomainError):
        services.move_grid(tree.town_a, tree.village_a1)  # under itself
    with pytest.raises(DomainError):
        services.move_grid(tree.grid_a1, tree.town_b)  # a base grid belongs under a village
    services.create_grid(tree.village_a2, "grid", "第一网格")
    with pytest.raises(DomainError):
        services.move_grid(tree.grid_a1, tree.village_a2)


def test_retire_refuses_nodes_with_live_children_users_or_households(tree):
    with pytest.raises(DomainError):
        services.retire_grid(tree.village_a1)  # live grids under it
    with pytest.raises(DomainError):
        services.retire_grid(tree.grid_a1)  # users are scoped to it and households live there
    services.retire_grid(tree.grid_a2)
    assert not tree.grid_a2.active
    assert db.session.get(Grid, tree.grid_a2.id) is not None  # never deleted
    services.restore_grid(tree.grid_a2)
    assert tree.grid_a2.active


def test_counts_under_every_node(tree):
    assert services.counts_under(tree.county).households == 4
    assert services.counts_under(tree.county).residents == 6
    assert services.counts_under(tree.town_a).residents == 4
    children = services.child_counts(tree.village_a1)
    assert children[tree.grid_a1.code].households == 2
    assert children[tree.grid_a1.code].residents == 3
    assert tree.grid_a2.code not in children


def test_grid_page_lists_children_with_counts(client, tree):
    client.login("town_admin")
    page = client.get(f"/grids/{tree.village_a1.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "第一网格" in text and "工业园" in text and tree.grid_a1.code in text


def test_grid_outside_scope_is_404(client, tree):
    client.login("b_town_admin")
    assert client.get(f"/grids/{tree.village_a1.id}").status_code == 404
    assert client.post(f"/grids/{tree.grid_a2.id}/retire").status_code == 404
    assert tree.grid_a2.active


def test_create_grid_through_the_form(client, tree):
    client.login("village_admin")
    response = client.post(f"/grids/{tree.village_a1.id}/new/grid",
                           data={"name": "第三网格", "supervision_phone": "12345"})
    assert response.status_code == 302
    grid = db.session.scalar(db.select(Grid).filter_by(name="第三网格"))
    assert grid.code == "430624001001003" and grid.supervision_phone == "12345"


def test_create_grid_errors_are_shown_next_to_the_field(client, tree):
    client.login("village_admin")
    response = client.post(f"/grids/{tree.village_a1.id}/new/grid",
                           data={"name": "第一网格", "supervision_phone": "abc"})
    assert response.status_code == 422
    assert "请输入有效的手机号" in response.get_data(as_text=True)
    # the name clash is reported once the phone is right
    response = client.post(f"/grids/{tree.village_a1.id}/new/grid", data={"name": "第一网格"})
    assert response.status_code == 422
    assert "同一上级下已有名为“第一网格”的网格" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Grid)) == 11


def test_village_admin_cannot_create_outside_or_above(client, tree):
    client.login("village_admin")
    assert client.get(f"/grids/{tree.town_a.id}/new/village").status_code == 404
    assert client.get(f"/grids/{tree.village_a1.id}/new/village").status_code == 404


def test_inline_rename_with_htmx(client, tree):
    client.login("village_admin")
    form = client.htmx_get(f"/grids/{tree.grid_a1.id}/name")
    assert b"<html" not in form.data and b'name="name"' in form.data
    saved = client.htmx_post(f"/grids/{tree.grid_a1.id}/name", data={"name": "城西第一网格"})
    assert saved.status_code == 200 and "城西第一网格" in saved.get_data(as_text=True)
    assert b"<html" not in saved.data
    refused = client.htmx_post(f"/grids/{tree.grid_a1.id}/name", data={"name": "第二网格"})
    assert refused.status_code == 422 and "已有名为" in refused.get_data(as_text=True)
    assert db.session.get(Grid, tree.grid_a1.id).name == "城西第一网格"


def test_search_as_you_type_returns_a_fragment_within_scope(client, tree):
    client.login("village_admin")
    fragment = client.htmx_get("/grids/search?q=网格")
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and "第一网格" in text
    assert "荷叶塘" not in client.htmx_get("/grids/search?q=荷叶").get_data(as_text=True)
    full = client.get("/grids/search?q=网格")
    assert b"<html" in full.data


def test_move_through_the_form(client, tree):
    client.login("town_admin")
    page = client.get(f"/grids/{tree.grid_a2.id}/move")
    assert "凤南村" in page.get_data(as_text=True)
    response = client.post(f"/grids/{tree.grid_a2.id}/move", data={"parent": tree.village_a2.id})
    assert response.status_code == 302
    assert db.session.get(Grid, tree.grid_a2.id).code == "430624001002002"
    # a target outside one's scope is refused as if it did not exist
    response = client.post(f"/grids/{tree.grid_a2.id}/move", data={"parent": tree.village_b1.id})
    assert response.status_code == 422


def test_retire_and_restore_through_the_page(client, tree):
    client.login("village_admin")
    client.post(f"/grids/{tree.grid_a2.id}/retire")
    assert not db.session.get(Grid, tree.grid_a2.id).active
    client.post(f"/grids/{tree.grid_a2.id}/restore")
    assert db.session.get(Grid, tree.grid_a2.id).active
    refused = client.post(f"/grids/{tree.grid_a1.id}/retire", follow_redirects=True)
    assert "用户的管理范围在此网格" in refused.get_data(as_text=True)


def _png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_staff_with_photo_appear_on_the_public_notice_board(client, tree):
    client.login("village_admin")
    response = client.post(f"/grids/{tree.grid_a1.id}/staff/new", data={
        "post": "worker", "name": "刘网格", "phone": "13812345678", "duties": "每日巡查",
        "sort_order": "1", "photo_file": (io.BytesIO(_png_bytes()), "me.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    staff = db.session.scalar(db.select(GridStaff).filter_by(name="刘网格"))
    assert staff.photo and staff.photo.endswith(".jpg")
    client.logout()
    board = client.get(f"/g/{tree.grid_a1.code}")  # anonymous
    text = board.get_data(as_text=True)
    assert board.status_code == 200 and "刘网格" in text and "13812345678" in text
    photo = client.get(f"/g/{tree.grid_a1.code}/photo/{staff.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


def test_a_fake_photo_is_refused_next_to_the_field(client, tree):
    client.login("village_admin")
    response = client.post(f"/grids/{tree.grid_a1.id}/staff/new", data={
        "post": "worker", "name": "假照片", "photo_file": (io.BytesIO(b"<script>x</script>"), "x.png")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "无法识别的图片文件" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(GridStaff).filter_by(name="假照片")) is None


def test_ended_staff_leave_the_board_but_stay_in_history(client, tree):
    staff = GridStaff(grid=tree.grid_a1, post="leader", name="老组长")
    db.session.add(staff)
    db.session.commit()
    client.login("village_admin")
    client.post(f"/grids/{tree.grid_a1.id}/staff/{staff.id}/end", follow_redirects=True)
    assert "老组长" not in client.get(f"/g/{tree.grid_a1.code}").get_data(as_text=True)
    assert db.session.get(GridStaff, staff.id).ended_at is not None


def test_notice_board_is_only_for_live_base_and_special_grids(client, tree):
    assert client.get(f"/g/{tree.special_a.code}").status_code == 200
    assert client.get(f"/g/{tree.village_a1.code}").status_code == 404
    assert client.get("/g/999999").status_code == 404
    services.retire_grid(tree.grid_a2)
    db.session.commit()
    assert client.get(f"/g/{tree.grid_a2.code}").status_code == 404


def test_contact_card_has_a_qr_code_for_the_public_page(client, tree, app):
    app.config["PUBLIC_BASE_URL"] = "https://wgt.example.cn"
    client.login("grid_worker")
    card = client.get(f"/grids/{tree.grid_a1.id}/card")
    assert card.status_code == 200
    assert "<svg" in card.get_data(as_text=True)
    qr = client.get(f"/g/{tree.grid_a1.code}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
