"""A village admin on a phone prints every household's letter at once: taps the batch on the
documents page, watches the progress (the page asks every 2 s) and gets the download link when
the worker is done; the single letter opens as a page with its PDF link."""
from sqlalchemy import select

from portal.browser_testing import login, shot
from portal.documents import batch as batches
from portal.documents.models import DocumentBatch
from portal.extensions import db


def test_a_village_prints_all_its_letters_on_a_phone(phone, live_server, tree, tmp_path):
    page = phone
    login(page, live_server, "village_admin")
    page.goto(f"{live_server}/documents/")
    row = page.locator("#documents tr", has_text="致住户的一封信")
    shot(page, tmp_path, "documents-index")
    row.get_by_role("button", name="批量生成").tap()
    page.get_by_text("正在生成").wait_for()
    shot(page, tmp_path, "documents-batch-waiting")
    batch = db.session.scalar(select(DocumentBatch))
    assert batches.run(batch.id) == "done"  # the worker's part, here in the test
    download = page.get_by_role("link", name="下载PDF")
    download.wait_for(timeout=10_000)  # the page asked again and swapped the answer in
    shot(page, tmp_path, "documents-batch-done")
    answer = page.request.get(live_server + download.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"

    page.goto(f"{live_server}/documents/household_letter/{tree.household_a.id}")
    page.get_by_role("heading", name="致住户的一封信").wait_for()
    shot(page, tmp_path, "documents-letter")
    assert page.get_by_role("link", name="下载PDF").count() == 1
