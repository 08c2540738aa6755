"""Control charts through HTTP: the contract's shape, the book's numbers, named refusals."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.test_events import problem_of
from tests.domain.test_spc import ORANGE_JUICE, PISTON_RINGS
from tests.factories import make_item
from tracemes.services.context import Context


def test_xbar_r_answers_limits_points_range_chart_and_capability(client: TestClient) -> None:
    body = {"chart": "xbar_r", "subgroups": PISTON_RINGS, "lsl": 73.95, "usl": 74.05}
    answer = client.post("/api/v1/quality/spc", json=body)
    assert answer.status_code == 200, answer.text
    chart = answer.json()
    assert (round(chart["ucl"], 3), round(chart["center"], 3), round(chart["lcl"], 3)) == (
        74.014,
        74.001,
        73.988,
    )
    assert len(chart["points"]) == 25
    assert all(point["rules"] == [] for point in chart["points"])
    assert round(chart["range"]["center"], 3) == 0.023
    assert chart["range"]["lcl"] == 0
    assert chart["cp"] > 1.33
    assert chart["cpk"] <= chart["cp"]


def test_a_p_chart_of_unequal_samples_answers_limits_per_point(client: TestClient) -> None:
    body = {"chart": "p", "defectives": [2, 5, 3], "sample_sizes": [50, 200, 100]}
    chart = client.post("/api/v1/quality/spc", json=body).json()
    assert isinstance(chart["ucl"], list)
    assert len(chart["ucl"]) == 3
    assert chart["ucl"][0] > chart["ucl"][2] > chart["ucl"][1]


def test_the_orange_juice_cans_flag_samples_15_and_23(client: TestClient) -> None:
    body = {"chart": "np", "defectives": list(ORANGE_JUICE), "sample_sizes": [50] * 30}
    chart = client.post("/api/v1/quality/spc", json=body).json()
    beyond = [i + 1 for i, p in enumerate(chart["points"]) if "beyond_limits" in p["rules"]]
    assert beyond == [15, 23]
    assert round(chart["center"], 2) == 11.57  # 50 x 0.2313


def test_bad_bodies_are_problems_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"chart": "xbar_r"}, "subgroups: is required for this chart"),
        ({"chart": "np", "defectives": [1, 2], "sample_sizes": [50, 60]}, "one sample size"),
        ({"chart": "xbar_s", "subgroups": [[1, 2], [1, 2, 3]]}, "subgroups[1]: has 3 values"),
        ({"chart": "p", "defectives": [5, 1], "sample_sizes": [4, 4]}, "defectives[0]"),
    ]
    for body, words in cases:
        problem = problem_of(client.post("/api/v1/quality/spc", json=body), 422, "validation")
        assert words in problem["detail"]
    unknown = client.post("/api/v1/quality/spc", json={"chart": "pie", "values": [1, 2, 3]})
    assert unknown.status_code == 422


def test_charts_need_a_signed_in_user(app_client: TestClient) -> None:
    body = {"chart": "imr", "values": [1.0, 2.0, 3.0]}
    assert app_client.post("/api/v1/quality/spc", json=body).status_code == 401


def test_the_sampling_plan_route_answers_the_contracts_fields(client: TestClient) -> None:
    answer = client.get(
        "/api/v1/quality/sampling-plan",
        params={"lot_size": 1000, "level": "II", "aql": "1.0", "severity": "normal"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "code_letter": "J",
        "plan_letter": "J",
        "sample_size": 80,
        "ac": 2,
        "re": 3,
        "whole_lot": False,
        "severity": "normal",
    }
    arrow = client.get("/api/v1/quality/sampling-plan?lot_size=1000&aql=0.25").json()
    assert (arrow["code_letter"], arrow["plan_letter"], arrow["sample_size"]) == ("J", "H", 50)


def test_a_bad_sampling_question_is_a_problem_naming_the_field(client: TestClient) -> None:
    url = "/api/v1/quality/sampling-plan"
    problem = problem_of(client.get(f"{url}?lot_size=1000&aql=3.0"), 422, "validation")
    assert problem["detail"].startswith("aql: '3.0' is not an AQL of the tables")
    problem_of(client.get(f"{url}?lot_size=1&aql=1.0"), 422, "validation")
    problem_of(client.get(f"{url}?lot_size=100&aql=1.0&level=IV"), 422, "validation")
    later = client.get(f"{url}?lot_size=100&aql=1.0&severity=tightened")
    assert "not available yet" in problem_of(later, 422, "severity_not_available")["detail"]


def test_the_report_answers_supplier_quality_and_the_pareto(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    make_item(db, ctx, "CELL", "lot")
    plan = {
        "item": "CELL",
        "stage": "incoming",
        "aql_major": "6.5",
        "defects": [{"code": "DENT", "name": "Dented can"}],
    }
    client.put("/api/v1/quality/inspection-plans/IQC-CELL", json=plan)
    client.post(
        "/api/v1/lots", json={"item": "CELL", "lot": "C-1", "quantity": 50, "supplier": "Lishen"}
    )
    (lot,) = client.get("/api/v1/quality/inspection-lots").json()
    url = f"/api/v1/quality/inspection-lots/{lot['number']}"
    samples = [
        {"id": f"s{i}", "index": i, "defects": ["DENT"] if i == 4 else []} for i in range(1, 9)
    ]
    client.post(f"{url}/samples", json={"samples": samples})
    assert client.post(f"{url}/decide").json()["status"] == "accepted"  # lot 50: D, n 8, Ac 1
    report = client.get("/api/v1/quality/report", params={"from": "2026-03-01", "to": "2026-03-16"})
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["suppliers"] == [
        {
            "supplier": "Lishen",
            "lots": 1,
            "accepted": 1,
            "rejected": 0,
            "acceptance_rate": "1.0000",  # ratios are decimals, as text
            "sampled": 8,
            "defective": 1,
            "ppm": 125000,
        }
    ]
    assert body["pareto"] == [
        {"code": "DENT", "count": 1, "share": "1.0000", "cumulative": "1.0000"}
    ]
    bad = client.get("/api/v1/quality/report", params={"from": "2026-03-16", "to": "2026-03-01"})
    assert "is after" in problem_of(bad, 422, "validation")["detail"]
    daily = client.get(
        "/api/v1/quality/report/daily", params={"from": "2026-03-15", "to": "2026-03-16"}
    )
    assert daily.status_code == 200, daily.text
    yesterday, today = daily.json()
    assert (yesterday["day"], yesterday["lots_decided"], yesterday["acceptance_rate"]) == (
        "2026-03-15",
        0,
        None,
    )
    assert (today["day"], today["lots_decided"], today["acceptance_rate"]) == (
        "2026-03-16",
        1,
        "1.0000",
    )
    other = client.get("/api/v1/quality/report/daily", params={"item": "BIKE"}).json()
    assert len(other) == 30
    assert sum(day["lots_decided"] for day in other) == 0
    year = client.get(
        "/api/v1/quality/report/daily", params={"from": "2025-01-01", "to": "2026-03-16"}
    )
    assert "more than 366 days" in problem_of(year, 422, "validation")["detail"]
