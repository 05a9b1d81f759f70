"""The names both sides of the HTTP API agree on.

The transactions are the API's operations, in the order of the table in docs/mock-service.md
("The mock Treasury service"), which gives each one's route. Scenarios name
them in ``[[transactions]]``, Locust names its requests with them, the mock
server labels its routes with them: one list, so every number lines up.
"""

API_PREFIX = "/api/v1"
"""Where the API's routes live; the operations routes (``/healthz``, ``/metrics``,
``/admin/...``) are outside it."""

TRANSACTIONS = (
    "login",
    "search_budget_codes",
    "create_payment",
    "sign_payment",
    "submit_payment",
    "get_payment",
    "list_payments",
    "submit_dossier",
    "get_dossier",
    "record_foreign_loan",
    "close_account",
    "get_statements",
)
"""Every transaction a scenario may name; ``login`` is the sign-in each user runs first."""

DEV_ADMIN_TOKEN = "peakload-dev-admin-token"
"""The admin token a development mock accepts (``GET /admin/stats``); a server
started with it warns, and a load test against the mock it started uses it."""

DEMAND_DEVIATION_HEADER = "x-peakload-demand-deviation"
"""The header on an emulating mock's answer: the demand its request drew at its tiers,
less that demand's known mean (seconds). A load test records it beside the response;
validate takes it out of the client's mean response (a control variate: its mean is
zero, its spread is the draws' luck), docs/validate.md."""
