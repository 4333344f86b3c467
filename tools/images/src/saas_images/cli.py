"""``saas-images``: build the service images (``make images``) and list them."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from saas_images.build import build as build_images
from saas_images.engine import SERVICES, Engine, image_name

app = typer.Typer(add_completion=False, no_args_is_help=True)
console = Console()


@app.command()
def build(services: list[str] = typer.Argument(None, help="default: all five"),
          tag: str = typer.Option("dev")) -> None:
    """Build the images (installing buildah/podman and making the stand-in base if needed)."""
    chosen = tuple(services or SERVICES)
    unknown = set(chosen) - set(SERVICES)
    if unknown:
        raise typer.BadParameter(f"unknown services: {', '.join(sorted(unknown))}")
    built = build_images(chosen, tag, log=lambda msg: console.print(f"[dim]{msg}[/]"))
    table = Table("image", "size", "build time")
    for item in built:
        table.add_row(item.image, f"{item.size_bytes / 1e6:.0f} MB", f"{item.seconds:.0f} s")
    console.print(table)


@app.command("list")
def list_images(tag: str = typer.Option("dev")) -> None:
    """The five images and their sizes, as built here."""
    engine = Engine()
    table = Table("image", "size")
    for service in SERVICES:
        name = image_name(service, tag)
        size = f"{engine.image_size(name) / 1e6:.0f} MB" if engine.image_exists(name) else "not built"
        table.add_row(name, size)
    console.print(table)
