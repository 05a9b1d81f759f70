"""The real service's database: the mock's schema, the budget catalog as a table,
and a year of paid payment orders per unit, seeded once at start.

Seeding runs inside PostgreSQL (``INSERT ... SELECT FROM generate_series``) with
a fixed ``setseed``, so a fresh database always holds the same rows: amounts
lognormal around VND 15 million with a long tail, budget codes from the
catalog, payees from the suppliers units pay, paid on a day of the last 365.
A database already seeded (its ``seed_state`` row says so) is left as it is.
"""

from __future__ import annotations

import math

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.engine import make_url

from mock_server import db
from mock_server.catalog import BUDGET_CODES, fold
from mock_server.tables import metadata
from peakload.contract.payment_order import PAYEES
from peakload.core.units import DEFAULT_ACCOUNT_KIND, FIRST_UNIT

real_metadata = MetaData()

budget_codes = Table(
    "budget_codes",
    real_metadata,
    Column("code", String(4), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("category", String(100), nullable=False),
    Column("folded", String(400), nullable=False),  # lower case, no diacritics: searched
)

seed_state = Table(
    "seed_state",
    real_metadata,
    Column("id", Integer, primary_key=True),
    Column("units", Integer, nullable=False),
    Column("orders", Integer, nullable=False),
)

MEDIAN_AMOUNT_VND = 15e6
AMOUNT_SIGMA = 1.4


class NotPostgres(ValueError):
    """The real service runs on PostgreSQL only (one line naming the URL given)."""


def _sql_array(values: list[str]) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]"


def _orders_sql(units: int, per_unit: int) -> str:
    """``units x per_unit`` paid orders in one statement, drawn by PostgreSQL's random()."""
    codes = _sql_array([c.code for c in BUDGET_CODES])
    payees = _sql_array(list(PAYEES))
    return f"""
    INSERT INTO payment_orders (unit_code, payer_account, amount, budget_code, payee_name,
        payee_account, content, status, created_at, signed_at, submitted_at, decided_at,
        paid_at)
    SELECT unit, '{DEFAULT_ACCOUNT_KIND}.' || unit, amount, code, payee, account,
        'Thanh toán theo hợp đồng, tiểu mục ' || code || ', tháng '
            || extract(month FROM to_timestamp(created))::int,
        'paid', created, created + 1800, created + 3600, created + 7200, created + 86400
    FROM (
        SELECT {FIRST_UNIT} + (g % {units}) AS unit,
            least(5e12, greatest(10000, round(exp({math.log(MEDIAN_AMOUNT_VND)}
                + {AMOUNT_SIGMA} * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))
                ::numeric, -3)))::bigint AS amount,
            ({codes})[1 + floor(random() * {len(BUDGET_CODES)})::int] AS code,
            ({payees})[1 + floor(random() * {len(PAYEES)})::int] AS payee,
            lpad(floor(random() * 1e13)::bigint::text, 13, '0') AS account,
            extract(epoch FROM now()) - 86400 * (1 + random() * 365) AS created
        FROM generate_series(0, {units * per_unit - 1}) AS g
    ) AS drawn
    """


def prepare(engine: Engine, units: int, orders_per_unit: int) -> int:
    """Tables, units, catalog and seeded orders; returns the orders seeded (0: already)."""
    if make_url(str(engine.url)).get_backend_name() != "postgresql":
        raise NotPostgres(
            f"{engine.url.render_as_string()}: --work real needs PostgreSQL "
            "(postgresql+psycopg://...), or no --db to start its own"
        )
    metadata.create_all(engine)
    real_metadata.create_all(engine)
    db.prepare(engine, units)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(4242)"))  # one seeder at a time
        if conn.execute(select(seed_state.c.id)).first() is not None:
            return 0
        conn.execute(
            insert(budget_codes),
            [
                {
                    "code": c.code,
                    "name": c.name,
                    "category": c.group,
                    "folded": fold(f"{c.code} {c.name} {c.group}"),
                }
                for c in BUDGET_CODES
            ],
        )
        conn.execute(text("SELECT setseed(0.2020)"))
        conn.execute(text(_orders_sql(units, orders_per_unit)))
        conn.execute(insert(seed_state), {"id": 1, "units": units, "orders": orders_per_unit})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return units * orders_per_unit
