"""Server-rendered pages (Jinja2 + htmx) over the same services as the API."""

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Add the pages and static files to the app."""
