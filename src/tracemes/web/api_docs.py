"""The API's interactive reference (Swagger UI), served from this server's own files.

FastAPI's built-in page loads Swagger UI from a CDN and starts it with an inline script; a
plant's network may reach no CDN, and inline script needs a weaker CSP. Here the bundle
comes from the npm package the install step copies into static/vendor, and a static script
starts it.
"""

from fastapi import Request
from fastapi.responses import HTMLResponse

from tracemes.api.deps import page_router
from tracemes.web.layout import render

router = page_router()

PATH = "/api/docs"


@router.get(PATH, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Every operation of the OpenAPI document, to read and to try with a token."""
    return render(request, "api_docs/page.html", {"openapi_url": request.app.openapi_url})
