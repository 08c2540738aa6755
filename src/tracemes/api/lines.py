"""Lines and stations."""

from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Engineer, Reader, api_router
from tracemes.api.models import Text
from tracemes.domain.lines import Line, Station

router = api_router(tags=["master data"])


class LineIn(BaseModel):
    code: Text = Field(examples=["L1"])
    name: Text = Field(examples=["Assembly line 1"])
    site: Text | None = None


class LineOut(BaseModel):
    code: str
    name: str
    site: str | None

    @classmethod
    def of(cls, line: Line) -> "LineOut":
        return cls(code=line.code, name=line.name, site=line.site)


class StationIn(BaseModel):
    code: Text = Field(examples=["L1-S1"])
    name: Text = Field(examples=["Frame station"])
    line: Text = Field(examples=["L1"])


class StationOut(BaseModel):
    code: str
    name: str
    line: str

    @classmethod
    def of(cls, station: Station) -> "StationOut":
        return cls(code=station.code, name=station.name, line=station.line_code)


@router.post("/lines", status_code=201)
def create_line(body: LineIn, db: Db, ctx: Engineer) -> LineOut:
    """Add a production line."""
    return LineOut.of(services.lines.create(db, ctx, body.code, body.name, body.site))


@router.get("/lines")
def list_lines(db: Db, ctx: Reader) -> list[LineOut]:
    """Every line of the company."""
    return [LineOut.of(line) for line in services.lines.list_all(db, ctx)]


@router.get("/lines/{code}")
def get_line(code: str, db: Db, ctx: Reader) -> LineOut:
    """One line."""
    return LineOut.of(services.lines.get(db, ctx, code))


@router.post("/stations", status_code=201)
def create_station(body: StationIn, db: Db, ctx: Engineer) -> StationOut:
    """Add a station to a line."""
    station = services.lines.create_station(db, ctx, body.code, body.name, body.line)
    return StationOut.of(station)


@router.get("/stations")
def list_stations(db: Db, ctx: Reader, line: str | None = None) -> list[StationOut]:
    """The company's stations, of one line when `line` is given."""
    return [StationOut.of(s) for s in services.lines.list_stations(db, ctx, line)]


@router.get("/stations/{code}")
def get_station(code: str, db: Db, ctx: Reader) -> StationOut:
    """One station."""
    return StationOut.of(services.lines.get_station(db, ctx, code))
