"""The real service and the emulating mock serve one API: their routes are built once."""

from __future__ import annotations

from pathlib import Path

from mock_server.main import create_app
from mock_server.real.app import create_real_app
from mock_server.settings import Settings


def _operations(openapi: dict) -> dict[tuple[str, str], tuple[str, list[str], dict]]:
    """(path, method) -> (operationId, its statuses, its request body's schema)."""
    return {
        (path, method): (
            op["operationId"],
            sorted(op["responses"]),
            op.get("requestBody", {}).get("content", {}).get("application/json", {}),
        )
        for path, methods in openapi["paths"].items()
        for method, op in methods.items()
    }


def test_the_real_service_answers_the_mocks_api(tmp_path: Path):
    """Same paths, operations, statuses and request bodies; only the statement's answer
    carries more (its totals per budget code)."""
    settings = Settings(db=f"sqlite:///{tmp_path / 'm.db'}")
    mock = create_app(settings, None).openapi()
    real = create_real_app(settings, tmp_path / "no-chain-needed").openapi()
    assert _operations(real) == _operations(mock)
    statement = real["components"]["schemas"]["AggregatedStatement"]
    assert "by_budget_code" in statement["properties"]
    assert "AggregatedStatement" not in mock["components"]["schemas"]
