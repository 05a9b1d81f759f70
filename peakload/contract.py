"""The transaction names of the API contract (DESIGN.md), in the table's order.

Scenarios name them in ``[[transactions]]``, Locust names its requests with
them, the mock server labels its routes with them: one list, so every number
lines up.
"""

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
