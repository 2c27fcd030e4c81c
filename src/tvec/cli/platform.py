"""``tvec platform``: list, show, add and update platforms (user rows over the package's)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from tvec.cli.context import out, store
from tvec.platforms import overrides as service

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
    rows = [
        (p, user) for p, user in service.list_platforms(store()) if kind in (None, p.kind.value)
    ]
    if as_json:
        documents = [{**service.platform_row(p), "user_row": user} for p, user in rows]
        typer.echo(json.dumps(documents, indent=2, ensure_ascii=False))
        return
    table = Table("platform", "kind", "domains", "country", "report to", title=f"{len(rows)}")
    for p, user in rows:
        route = p.abuse_email or p.report_url or p.api or ""
        name = f"{p.name} (user)" if user else p.name
        table.add_row(name, p.kind.value, ", ".join(p.domains), p.country or "", route)
    out.print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Platform name (any case).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one platform with its domains and reporting routes."""
    with store().session() as session:
        platform = service.find_platform(service.load_registry(session), name)
    row = service.platform_row(platform)
    if as_json:
        typer.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    for key, value in row.items():
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
    platform = service.add_platform(
        store(),
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
    platform = service.update_platform(
        store(),
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
    )
    out.print(f"updated platform {platform.name}", markup=False)
