"""`portal documents run`: make the batches waiting in the queue here (where no worker runs, or
to catch up one that was down), and `portal documents kinds`: the kinds this deployment has."""
import click
from flask.cli import with_appcontext


@click.group("documents")
def documents_group():
    """Printed documents: batches, kinds."""


@documents_group.command("run")
@with_appcontext
def run_batches():
    """Make every batch still queued (or left running by a worker that stopped)."""
    from portal.documents.batch import run
    from portal.documents.models import DocumentBatch
    from portal.extensions import db

    waiting = db.session.scalars(db.select(DocumentBatch.id).where(
        DocumentBatch.state.in_(("queued", "running"))).order_by(DocumentBatch.id)).all()
    for batch_id in waiting:
        click.echo(f"batch {batch_id}: {run(batch_id)}")
    click.echo(f"{len(waiting)} batches made")


@documents_group.command("kinds")
@with_appcontext
def kinds():
    """List the kinds of document: code, label, size, the plugin offering it."""
    from portal.documents import document_types

    for kind in document_types().values():
        click.echo(f"{kind.code}\t{kind.label}\t{kind.size}{' landscape' if kind.landscape else ''}"
                   f"\t{kind.plugin or 'core'}")
