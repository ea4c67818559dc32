"""`portal users password` and `portal users unlock`: for the operator when no administrator can
log in (the county admin's forgotten password, or a lock at the only address they use)."""
import click
from flask.cli import with_appcontext

from portal.errors import DomainError


def _user(username):
    from portal.auth.blueprint import find_user

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"没有用户 {username} / no user {username}")
    return user


@click.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when left out (kept out of the shell history).")
@with_appcontext
def users_password(username, password):
    """Set a user's password (the web forms' policy applies); every session of the user ends."""
    from portal.auth.services import update_user
    from portal.extensions import db

    user = _user(username)
    try:
        update_user(user, password=password)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"password of {user.username} changed; every session of the user has ended")


@click.command("unlock")
@click.argument("username")
@with_appcontext
def users_unlock(username):
    """Lift a user's login locks from every address (audited)."""
    from portal import audit
    from portal.auth import throttle
    from portal.extensions import db

    user = _user(username)
    lifted = throttle.unlock(user)
    audit.record("user.unlock", user, scope_code=user.scope.code, lockouts=lifted)
    db.session.commit()
    click.echo(f"{lifted} lock(s) of {user.username} lifted")


COMMANDS = (users_password, users_unlock)
