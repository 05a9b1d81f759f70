"""Realistic request bodies for a budget unit, drawn from the user's own Generator.

Amounts follow a lognormal around VND 15 million (a month's electricity, a
travel advance) with a long tail to billions (equipment, works); payees are
the kinds of suppliers units pay; budget codes come from the catalog search
the user just made, as an accountant would pick one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import numpy as np

from peakload.contract.payment_order import PAYEES

SEARCH_TERMS = (
    "dien",
    "nuoc",
    "luong",
    "van phong",
    "cong tac",
    "sua chua",
    "tin hoc",
    "hoi nghi",
    "65",
    "70",
    "bao hiem",
    "phu cap",
)
FALLBACK_CODES = ("6501", "6502", "6551", "6701", "7001", "6912")
DONORS = ("World Bank", "Asian Development Bank", "JICA", "KfW", "Korea EXIM Bank")
CURRENCIES = ("USD", "EUR", "JPY", "VND")


def amount_vnd(rng: np.random.Generator) -> int:
    value = rng.lognormal(np.log(15e6), 1.4)
    return int(min(max(round(value, -3), 10_000), 5e12))


def search_term(rng: np.random.Generator) -> str:
    return SEARCH_TERMS[rng.integers(len(SEARCH_TERMS))]


def payment_order(rng: np.random.Generator, codes: list[str], month: int) -> dict:
    code = codes[rng.integers(len(codes))] if codes else FALLBACK_CODES[rng.integers(6)]
    return {
        "amount": amount_vnd(rng),
        "budget_code": code,
        "payee_name": PAYEES[rng.integers(len(PAYEES))],
        "payee_account": "".join(str(d) for d in rng.integers(0, 10, 13)),
        "content": f"Thanh toán theo hợp đồng, tiểu mục {code}, tháng {month}",
    }


def signature(rng: np.random.Generator, order_id: int) -> dict:
    digest = hashlib.sha256(f"{order_id}:{rng.integers(1 << 62)}".encode()).digest()
    return {
        "signature": base64.b64encode(digest * 8).decode(),
        "certificate_serial": f"{rng.integers(1 << 40):X}",
    }


def dossier(rng: np.random.Generator, order_id: int | None) -> dict:
    attachments = [
        {
            "file_name": f"{name}.pdf",
            "size_bytes": int(rng.integers(20_000, 4_000_000)),
            "sha256": hashlib.sha256(rng.bytes(16)).hexdigest(),
        }
        for name in ("giay-de-nghi", "hop-dong", "bien-ban-nghiem-thu")[: rng.integers(1, 4)]
    ]
    body: dict[str, object] = {
        "dossier_type": ("expenditure_control", "advance", "one_stop")[rng.integers(3)],
        "title": "Phiếu giao nhận hồ sơ kiểm soát chi",
        "attachments": attachments,
    }
    if order_id is not None:
        body["payment_order_id"] = order_id
    return body


def foreign_loan_record(rng: np.random.Generator, codes: list[str]) -> dict:
    currency = CURRENCIES[rng.integers(len(CURRENCIES))]
    amount = amount_vnd(rng) if currency == "VND" else int(rng.integers(1_000, 2_000_000))
    return {
        "kind": ("revenue", "expenditure")[rng.integers(2)],
        "loan_agreement": f"{('ADB', 'WB', 'JICA')[rng.integers(3)]}-{rng.integers(1000, 9999)}",
        "donor": DONORS[rng.integers(len(DONORS))],
        "amount": amount,
        "currency": currency,
        "budget_code": codes[0] if codes else "7001",
        "value_date": (dt.date(2020, 1, 1) + dt.timedelta(days=int(rng.integers(366)))).isoformat(),
    }
