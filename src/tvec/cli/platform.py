"""``tvec platform``: list, show, add and update platforms (user rows over the package's)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tvec.app import platforms as use
from tvec.cli.context import context, out, print_json

ACTOR = "cli"

app = typer.Typer(
    help="The platform registry: which service hosts a domain and how to report abuse.",
    no_args_is_help=True,
)

_Domains = Annotated[
    list[str] | None, typer.Option("--domain", help="Domain it claims (repeatable).")
]
_Kind = Annotated[
    str | None,
    typer.Option(
        help="messaging, file_sharing, video, image_host, paste_site, social_network, "
        "blog, archive, url_shortener, forum, cloud_storage or decentralised."
    ),
]
_Country = Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code of its seat.")]
_Email = Annotated[str | None, typer.Option("--abuse-email", help="Abuse report address.")]
_Report = Annotated[str | None, typer.Option("--report-url", help="https:// report form.")]
_Api = Annotated[str | None, typer.Option(help="https:// reporting API or its documentation.")]
_Source = Annotated[str | None, typer.Option("--source", help="Where the facts come from.")]
_Notes = Annotated[str | None, typer.Option(help="Caveats.")]


def _row(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], ())}


@app.command("list")
def list_(
    kind: Annotated[str | None, typer.Option(help="Only platforms of this kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the platforms in force (packaged rows plus user rows)."""
    rows = use.list_platforms(context(), kind=kind)
    if as_json:
        print_json(rows)
        return
    table = Table("platform", "kind", "domains", "country", "report to", title=f"{len(rows)}")
    for p in rows:
        route = p.abuse_email or p.report_url or p.api or ""
        name = f"{p.name} (user)" if p.user_row else p.name
        table.add_row(name, p.kind, ", ".join(p.domains), p.country or "", route)
    out.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Platform name (any case).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one platform with its domains and reporting routes."""
    view = use.show_platform(context(), name)
    if as_json:
        print_json(view)
        return
    for key, value in view.model_dump(mode="json", exclude={"user_row"}).items():
        out.print(f"{key}: {value}", markup=False)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name of the new platform.")],
    kind: _Kind = None,
    domains: _Domains = None,
    country: _Country = None,
    abuse_email: _Email = None,
    report_url: _Report = None,
    api: _Api = None,
    source: _Source = None,
    notes: _Notes = None,
) -> None:
    """Add a platform (kind, at least one domain, one reporting route and a source)."""
    platform = use.add_platform(
        context(),
        _row(
            name=name,
            kind=kind,
            domains=domains or None,
            country=country,
            abuse_email=abuse_email,
            report_url=report_url,
            api=api,
            source=source,
            notes=notes,
        ),
        actor=ACTOR,
    )
    out.print(f"added platform {platform.name}", markup=False)


@app.command("update")
def update(
    name: Annotated[str, typer.Argument(help="Platform to change (any case).")],
    kind: _Kind = None,
    domains: _Domains = None,
    country: _Country = None,
    abuse_email: _Email = None,
    report_url: _Report = None,
    api: _Api = None,
    source: _Source = None,
    notes: _Notes = None,
) -> None:
    """Change fields of a platform; --domain replaces its domain list."""
    platform = use.update_platform(
        context(),
        name,
        _row(
            kind=kind,
            domains=domains or None,
            country=country,
            abuse_email=abuse_email,
            report_url=report_url,
            api=api,
            source=source,
            notes=notes,
        ),
        actor=ACTOR,
    )
    out.print(f"updated platform {platform.name}", markup=False)
