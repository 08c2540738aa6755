"""Excel workbooks of master data: import, export and the empty template."""

from typing import Annotated, Any

from fastapi import File, Response, UploadFile
from pydantic import BaseModel, ConfigDict

from tracemes import services
from tracemes.api.deps import Db, Engineer, Reader, api_router

router = api_router(tags=["master data"])

_XLSX_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {services.workbooks.MEDIA_TYPE: {}},
        "description": "An .xlsx workbook with Items, BOM and Routing sheets.",
    }
}


class TallyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created: int
    updated: int
    unchanged: int


class ImportSummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: TallyOut
    boms: TallyOut
    routings: TallyOut
    lines: TallyOut
    stations: TallyOut
    inspection_plans: TallyOut


@router.post(
    "/imports/master-data",
    responses={
        413: {"description": "The file is past a bound (size, unpacked size, rows, cells, time)."},
        422: {"description": "Wrong rows, listed in `problems`; nothing was stored."},
    },
)
def import_master_data(
    file: Annotated[UploadFile, File(description="An .xlsx workbook.")], db: Db, ctx: Engineer
) -> ImportSummaryOut:
    """Store the master data of a workbook; if any row is wrong, store nothing."""
    # One byte past the bound is enough for the service to refuse it; the rest stays unread.
    data = file.file.read(services.workbooks.MAX_BYTES + 1)
    summary = services.workbooks.import_master_data(db, ctx, data)
    return ImportSummaryOut.model_validate(summary)


@router.get("/exports/master-data.xlsx", response_class=Response, responses=_XLSX_ANSWER)
def export_master_data(db: Db, ctx: Reader) -> Response:
    """The company's items, current BOMs and current routings, ready to edit and re-import."""
    data = services.workbooks.export_master_data(db, ctx)
    return _xlsx(data, f"master-data-{ctx.now:%Y%m%d}.xlsx")


@router.get("/imports/template.xlsx", response_class=Response, responses=_XLSX_ANSWER)
def master_data_template(ctx: Reader) -> Response:
    """The empty workbook to fill in, with headers in Chinese and English."""
    return _xlsx(services.workbooks.template(), "master-data-template.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type=services.workbooks.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
