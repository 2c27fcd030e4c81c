"""CSV exports of cases and decisions: columns, values, formula cells defused, roles."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import WebEnv


def test_cases_and_decisions_as_csv(web: WebEnv, client_for) -> None:  # type: ignore[no-untyped-def]
    client, token = client_for("moderator")
    decided = client.post(
        "/api/cases/1/decision",
        json={"outcome": "no_violation", "note": '=HYPERLINK("http://x")'},
        headers={"X-CSRF-Token": token},
    )
    assert decided.status_code == 200, decided.text
    cases = client.get("/export/cases.csv")
    assert cases.status_code == 200
    assert cases.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="tvec-cases.csv"' in cases.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(cases.text)))
    assert sorted(int(r["case_id"]) for r in rows) == [1, 2]
    assert {r["case_id"]: r["status"] for r in rows}["1"] == "decided"
    decisions = list(csv.DictReader(io.StringIO(client.get("/export/decisions.csv").text)))
    assert len(decisions) == 1
    assert decisions[0]["outcome"] == "no_violation" and decisions[0]["reviewer"] == "moderator"
    assert decisions[0]["note"] == '\'=HYPERLINK("http://x")'
    assert client.get("/export/secrets.csv").status_code == 404
    viewer, _ = client_for("viewer")
    assert viewer.get("/export/cases.csv").status_code == 200  # case.view: every role
