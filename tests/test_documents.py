"""The documents service (portal/documents): a document as HTML and as a PDF whose Chinese text
can be read back, with its issuer and page numbers; one PDF of a whole village made by the
worker with its progress and a download; what happens when WeasyPrint is missing or a batch
fails; nothing fetched from the network."""
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.documents import Period, document_types
from portal.documents import batch as batches
from portal.documents import render
from portal.documents.models import DocumentBatch
from portal.extensions import db
from portal.grids.models import GridStaff
from portal.timeutil import local_today
from portal.documents.testing import pdf_text


def audited(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).filter_by(action=action))


@pytest.fixture
def board(tree):
    db.session.add_all([
        GridStaff(grid_id=tree.grid_a1.id, post="leader", name="李网格长", phone="13700000001",
                  duties="全面负责"),
        GridStaff(grid_id=tree.grid_a1.id, post="worker", name="王网格员", phone="13700000002",
                  duties="每日巡查")])
    tree.grid_a1.supervision_phone = "0730-12345"
    db.session.commit()
    return tree


def test_the_core_offers_its_documents(app):
    kinds = document_types()
    assert {"grid_poster", "household_letter"} <= set(kinds)
    assert all(k.plugin is None for k in kinds.values() if k.code in ("grid_poster",
                                                                      "household_letter"))


def test_a_grid_poster_as_pdf_reads_back_in_chinese_with_its_header_and_page(client, board):
    client.login("village_admin")
    answer = client.get(f"/documents/grid_poster/{board.grid_a1.id}.pdf")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in answer.headers["Content-Disposition"]
    text = pdf_text(answer.data)
    for words in ("网格公示牌", "李网格长", "13700000002", "每日巡查", "0730-12345",
                  "文星镇 城西社区",  # the issuer in the running header
                  "1 / 1"):  # the page number in the footer
        assert words in text, words
    assert audited("documents.print") == 1


def test_the_html_view_is_the_same_document_with_a_toolbar(client, board):
    client.login("village_admin")
    page = client.get(f"/documents/grid_poster/{board.grid_a1.id}")
    assert page.status_code == 200
    assert "网格公示牌" in page.text and "李网格长" in page.text
    assert f"/documents/grid_poster/{board.grid_a1.id}.pdf" in page.text
    assert "<svg" in page.text  # the QR code, written into the page
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "script-src 'self';" in policy


def test_a_household_letter_is_a5_with_the_grids_staff(client, board):
    client.login("grid_worker")
    answer = client.get(f"/documents/household_letter/{board.household_a.id}.pdf")
    reader = PdfReader(BytesIO(answer.data))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert round(width / 72 * 25.4) == 148 and round(height / 72 * 25.4) == 210  # A5
    text = pdf_text(answer.data)
    assert "致住户的一封信" in text and board.household_a.address in text
    assert "李网格长" in text and "13700000001" in text


def test_user_text_stays_text_in_a_document(client, board):
    board.grid_a1.description = '<img src="http://example.com/x.png"><script>alert(1)</script>'
    db.session.commit()
    client.login("village_admin")
    page = client.get(f"/documents/grid_poster/{board.grid_a1.id}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert client.get(f"/documents/grid_poster/{board.grid_a1.id}.pdf").status_code == 200


def test_a_document_fetches_nothing_from_the_network(app):
    weasyprint = render._weasyprint()
    fetcher = render._only_data_fetcher(weasyprint)
    with pytest.raises(ValueError):
        fetcher.fetch("http://example.com/tracker.png")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")


def test_without_weasyprint_the_pdf_says_why_and_the_html_still_opens(client, board,
                                                                       monkeypatch):
    def missing():
        raise render.RendererMissing("no Pango here")

    monkeypatch.setattr(render, "_weasyprint", missing)
    client.login("village_admin")
    answer = client.get(f"/documents/grid_poster/{board.grid_a1.id}.pdf")
    assert answer.status_code == 503 and "no Pango here" in answer.text
    assert client.get(f"/documents/grid_poster/{board.grid_a1.id}").status_code == 200


def test_a_grid_document_only_for_its_levels_and_scope(client, board):
    client.login("village_admin")
    assert client.get(f"/documents/grid_poster/{board.village_a1.id}").status_code == 404
    assert client.get(f"/documents/grid_poster/{board.grid_b1.id}").status_code == 404
    assert client.get("/documents/no_such_kind/1").status_code == 404
    client.logout()
    client.login("resident")
    assert client.get(f"/documents/grid_poster/{board.grid_a1.id}").status_code == 403


@pytest.mark.parametrize("args, period", [
    ("month=2026-02", Period(date(2026, 2, 1), date(2026, 2, 28))),
    ("since=2026-03-05&until=2026-03-20", Period(date(2026, 3, 5), date(2026, 3, 20))),
    ("month=2026-13", Period.month_of(local_today())),
    ("since=2026-03-20&until=2026-03-05", Period.month_of(local_today())),
    ("since=2020-01-01&until=2026-01-01", Period.month_of(local_today())),  # over a year
])
def test_the_period_is_read_from_the_query(app, args, period):
    from portal.documents.views import period_arg

    with app.test_request_context(f"/documents/?{args}"):
        assert period_arg() == period


# ---------------------------------------------------------------- batches


def test_a_village_letters_in_one_pdf_by_the_worker(client, board):
    from portal.worker import make_document_batch

    client.login("village_admin")
    answer = client.post(f"/documents/household_letter/batches/{board.village_a1.id}")
    assert answer.status_code == 303
    batch = db.session.scalar(select(DocumentBatch))
    assert answer.location.endswith(f"/documents/batches/{batch.id}")
    assert (batch.state, batch.total) == ("queued", 2)  # the two households of village A1
    waiting = client.get(answer.location)
    assert "正在生成" in waiting.text and 'hx-trigger="every 2s"' in waiting.text

    assert make_document_batch(batch.id) == "done"  # what the worker runs
    db.session.expire_all()
    batch = db.session.get(DocumentBatch, batch.id)
    assert (batch.state, batch.done, batch.percent) == ("done", 2, 100)
    progress = client.get(f"/documents/batches/{batch.id}", headers={"HX-Request": "true"})
    assert "<html" not in progress.text and "下载PDF" in progress.text
    assert "every 2s" not in progress.text  # done: the page stops asking
    download = client.get(f"/documents/batches/{batch.id}.pdf")
    assert download.status_code == 200
    reader = PdfReader(BytesIO(download.data))
    assert len(reader.pages) == 2
    text = pdf_text(download.data)
    assert board.household_a.address in text and board.household_a2.address in text
    assert audited("documents.batch") == 1 and audited("documents.download") == 1


def test_a_batch_is_refused_where_the_kind_has_none_or_nothing_to_print(client, board):
    client.login("town_admin")
    # the letters of a town at once: no (a village at a time)
    answer = client.post(f"/documents/household_letter/batches/{board.town_a.id}")
    assert answer.status_code == 303
    assert db.session.scalar(select(func.count(DocumentBatch.id))) == 0
    assert "不能为这一级批量打印" in client.get(answer.location).text
    # town B's node: not theirs
    assert client.post(f"/documents/household_letter/batches/{board.village_b1.id}"
                       ).status_code == 404


def test_a_batch_that_fails_says_so_and_keeps_the_reason(client, board, monkeypatch):
    client.login("village_admin")
    client.post(f"/documents/household_letter/batches/{board.village_a1.id}")
    batch = db.session.scalar(select(DocumentBatch))

    def broken(html):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(render, "render_one", broken)
    assert batches.run(batch.id) == "failed"
    db.session.expire_all()
    failed = db.session.get(DocumentBatch, batch.id)
    assert "layout exploded" in failed.error and failed.finished_at is not None
    assert "生成失败" in client.get(f"/documents/batches/{batch.id}").text
    assert client.get(f"/documents/batches/{batch.id}.pdf").status_code == 404


def test_another_towns_batch_is_a_404(client, board):
    batch = DocumentBatch(kind="household_letter", node_id=board.village_a1.id, total=1,
                          base_url="http://localhost")
    db.session.add(batch)
    db.session.commit()
    client.login("b_town_admin")
    assert client.get(f"/documents/batches/{batch.id}").status_code == 404


def test_the_documents_page_offers_a_nodes_documents_and_batches(client, board):
    client.login("village_admin")
    page = client.get("/documents/")
    assert page.status_code == 200
    assert "致住户的一封信" in page.text  # a batch of the village's letters
    assert f"/documents/household_letter/batches/{board.village_a1.id}" in page.text
    grid = client.get(f"/documents/?node={board.grid_a1.id}")
    assert f"/documents/grid_poster/{board.grid_a1.id}" in grid.text


def test_the_command_makes_the_batches_left_waiting(app, board):
    batch = batches.start(document_types()["household_letter"], board.village_a1, None,
                          "http://localhost", None)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["documents", "run"])
    assert result.exit_code == 0 and f"batch {batch.id}: done" in result.output
    listed = app.test_cli_runner().invoke(args=["documents", "kinds"])
    assert "household_letter" in listed.output and "A5" in listed.output
