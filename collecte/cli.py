"""Command line: `flask --app collecte ...` or the `collecte` entry point."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import select

from .domain.models import Organisation
from .errors import DomainError
from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(user_group)
    app.cli.add_command(token_group)
    from .reports_cli import register

    register(app)


@click.command("seed-demo")
@click.option("--devices", default=200, show_default=True, help="How many demo devices.")
def seed_demo(devices: int) -> None:
    """Create the demo organisations, users and devices (safe to run again)."""
    from .services import demo

    report = demo.seed(device_count=devices)
    click.echo(f"Demo data: {report['devices']} devices "
               f"({'created now' if report['created'] else 'already there'}).")
    click.echo("Demo logins (password: demo):")
    for email, role in demo.DEMO_USERS:
        click.echo(f"  {email:<22} {role}")


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(["donor", "technician", "social_worker", "manager", "admin"]))
@click.option("--organisation", "organisation_name", required=True, help="Organisation name.")
@click.password_option()
def user_create(email: str, role: str, organisation_name: str, password: str) -> None:
    """Create a user in an existing organisation."""
    from .services import users

    org = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if org is None:
        raise click.ClickException(f"No organisation named {organisation_name!r}.")
    try:
        users.create_user(email, password, role, org)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"Created {email} ({role}).")


@click.group("token")
def token_group() -> None:
    """Bearer tokens for scanners and integrations."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="cli", help="A name to recognise the token by.")
def token_create(email: str, name: str) -> None:
    """Create a token for EMAIL; the token alone is printed on the last line."""
    from .services import users

    try:
        token = users.create_token_for_email(email, name)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"Token for {email} (shown once, store it now):")
    click.echo(token)


def main() -> None:
    """The `collecte` entry point: the same commands as `flask --app collecte`."""
    from . import create_app

    FlaskGroup(create_app=create_app)(prog_name="collecte")
