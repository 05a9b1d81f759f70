"""The service's records, one module per record type: what each write stores and each read finds.

- :mod:`.payment_orders`: draft, sign, submit, read and list payment orders, the
  life cycle's unit-side steps (the Treasury's side is :mod:`mock_server.control`);
- :mod:`.dossiers`: dossier hand-over slips, optionally about a payment order;
- :mod:`.foreign_loans`: revenue and spending recorded against a foreign loan;
- :mod:`.account_closures`: closing one of the unit's accounts;
- :mod:`.statements`: the unit's paid orders over a date range;
- :mod:`.counts`: records by type and status, for reconciliation;
- shared steps: :mod:`.idempotent` (create once per Idempotency-Key) and
  :mod:`.accounts` (is an account the unit's, and open).

Conventions, as in the FastAPI full-stack template's ``crud.py``: every function
takes the engine and the asking unit's code first, then the typed request body
or ids; it returns plain row dicts that :mod:`mock_server.api.public` turns into
response models. Every query is scoped to the unit that asks, so another unit's
ids are simply not found. Each write is one short transaction, committed before
it returns (the route answers 2xx only after that) and run in the thread pool;
reads of SQLite run on the event loop (those of a database server in the pool too:
``UnitSession.read``), so a hot read reuses a statement built at import.
"""
