"""Command line of the managers' reports: territories and dashboard counters."""

from __future__ import annotations

import click
from flask import Flask

from .extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(territories_group)
    app.cli.add_command(counters_group)


@click.group("territories")
def territories_group() -> None:
    """French départements and régions (INSEE)."""


@territories_group.command("load")
def territories_load() -> None:
    """Load the official list of départements and régions (safe to run again)."""
    from .services import territories

    counts = territories.load(db.session)
    click.echo(f"{counts['regions']} régions, {counts['departments']} départements "
               f"(COG {territories.COG_YEAR}).")


@click.group("counters")
def counters_group() -> None:
    """Dashboard counters: fold, compare with a full recount, rebuild."""


@counters_group.command("fold")
def counters_fold() -> None:
    """Fold the delta rows into the totals, and the new stage events into the detail
    roll-ups, now."""
    from .services import counters, rollups

    click.echo(f"{counters.fold(db.session)} delta rows folded.")
    click.echo(f"{rollups.fold(db.session)} stage events folded into the detail roll-ups.")


@counters_group.command("check")
def counters_check() -> None:
    """Compare the counters and the detail roll-ups (lead times, yield) with a full recount;
    exit status 1 when they differ."""
    from .services import counters, rollups

    rollups.fold(db.session)  # the roll-ups are compared up to their watermark
    problems = counters.check(db.session) + rollups.check(db.session)
    for line in problems[:50]:
        click.echo(line)
    if problems:
        raise click.ClickException(f"{len(problems)} differences: run `counters repair`.")
    click.echo("Counters and detail roll-ups equal the full recount.")


@counters_group.command("repair")
def counters_repair() -> None:
    """Rebuild every counter and detail roll-up from the devices and stage_events tables."""
    from .errors import Conflict
    from .services import counters, rollups

    try:
        click.echo(f"{counters.repair(db.session)} counter rows rebuilt.")
        click.echo(f"{rollups.repair(db.session)} detail roll-up rows rebuilt.")
    except Conflict as error:
        raise click.ClickException(error.detail) from error
