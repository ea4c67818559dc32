"""A village's letters at once: the 300-household 一封信 batch (portal.documents.batch.run, as the
worker runs it) against WeasyPrint alone laying out and writing the same 300 pages' HTML in the
same process, interleaved run by run. The ratio says what the portal adds to the library: reading
the households, rendering the templates, the QR codes, the progress writes and the file.

    .venv/bin/python bench/documents.py                 # 300 households, 3 runs each
    .venv/bin/python bench/documents.py --households 100 --runs 5

Data: a fresh SQLite file with one village of one grid, its four staff on the board and N
households (built in a second or two). Prints the date, the machine, the command, the load and a
Markdown table for RESULTS.md.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from common import MachineLoad, machine, shown_command  # noqa: E402


def build(app, households: int):
    from portal.auth.services import create_user
    from portal.extensions import db
    from portal.grids import services as grids
    from portal.grids.models import GridStaff
    from portal.people.services import add_household

    county = grids.create_county("430624", "湘阴县")
    town = grids.create_grid(county, "town", "文星镇")
    village = grids.create_grid(town, "village", "城西社区")
    grid = grids.create_grid(village, "grid", "第一网格")
    grid.supervision_phone = "0730-12345"
    for n, (post, name) in enumerate([("leader", "李网格长"), ("worker", "王网格员"),
                                      ("instructor", "赵指导员"), ("liaison", "钱联络员")]):
        db.session.add(GridStaff(grid_id=grid.id, post=post, name=name,
                                 phone=f"1370000000{n}", sort_order=n))
    for n in range(households):
        add_household(grid, f"城西路{n + 1}号", number=f"{n + 1:03d}")
    user = create_user(username="chengxi", password="bench2026x", role="village_admin",
                       scope=village)
    db.session.commit()
    return village, user


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-documents-")
    os.environ["PORTAL_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
    os.environ["PORTAL_INSTANCE_PATH"] = folder  # the batch's file goes to the scratch folder
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        village, user = build(app, args.households)
        from portal.documents import batch as batches
        from portal.documents import document_types, render

        kind = document_types()["household_letter"]
        load = MachineLoad()
        portal_times, raw_times, sizes = [], [], []
        with app.test_request_context(base_url="http://portal.example"):
            # the library alone: the same pages' HTML, made once beforehand
            pages = [render.html_of(kind, h, None, pdf=True) for h in kind.batch(village)]
        with app.test_request_context(base_url="http://portal.example"):
            render.pdf_of(pages[:1])  # fonts found and loaded once, before either is timed

        def portal_run():
            batch = batches.start(kind, village, None, "http://portal.example", user)
            db.session.commit()
            started = time.perf_counter()
            assert batches.run(batch.id) == "done"
            portal_times.append(time.perf_counter() - started)
            sizes.append((batches.folder() / batch.pdf_name).stat().st_size)

        def raw_run():
            with app.test_request_context(base_url="http://portal.example"):
                started = time.perf_counter()
                assert render.pdf_of(pages)
                raw_times.append(time.perf_counter() - started)

        for number in range(args.runs):  # interleaved, each going first every other run
            for run in ((portal_run, raw_run) if number % 2 == 0 else (raw_run, portal_run)):
                run()
        load.sample_others()
        report = load.stop()
    ours, raw = statistics.median(portal_times), statistics.median(raw_times)
    from portal.timeutil import utcnow

    print(f"{utcnow():%Y-%m-%d %H:%M} UTC · {machine()}")
    print(f"command: {shown_command()}")
    print(report)
    print()
    print(f"| what ({args.households} letters, A5, one PDF) | median of {args.runs} | "
          "per letter | ÷ WeasyPrint alone |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| the portal's batch (worker task) | {ours:.1f} s | {ours / args.households * 1000:.0f} ms"
          f" | **{ours / raw:.2f} ×** |")
    print(f"| WeasyPrint alone, same HTML | {raw:.1f} s | {raw / args.households * 1000:.0f} ms"
          f" | 1 × |")
    print(f"\nPDF size: {statistics.median(sizes) / 1024 / 1024:.1f} MB; each run: portal "
          + ", ".join(f"{t:.1f}" for t in portal_times) + " s; alone "
          + ", ".join(f"{t:.1f}" for t in raw_times) + " s")


if __name__ == "__main__":
    main()
