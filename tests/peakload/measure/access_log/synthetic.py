"""A synthetic access log from a known closed workload, for round-trip tests."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

PATHS = {
    "login": ("POST", "/api/v1/auth/token"),
    "search_budget_codes": ("GET", "/api/v1/catalog/budget-codes?q=chi"),
    "create_payment": ("POST", "/api/v1/payment-orders"),
    "sign_payment": ("POST", "/api/v1/payment-orders/{id}/signature"),
    "submit_payment": ("POST", "/api/v1/payment-orders/{id}/submission"),
    "get_payment": ("GET", "/api/v1/payment-orders/{id}"),
    "list_payments": ("GET", "/api/v1/payment-orders?status=submitted"),
    "submit_dossier": ("POST", "/api/v1/dossiers"),
    "get_dossier": ("GET", "/api/v1/dossiers/{id}"),
    "get_statements": ("GET", "/api/v1/statements?from=2020-04-01&to=2020-04-30"),
}
FLOWS = {
    "payment": (
        6,
        ["search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment"],
    ),
    "review": (2, ["list_payments", "get_payment"]),
    "dossier": (3, ["submit_dossier", "get_dossier"]),
    "statements": (1, ["get_statements"]),
}
DAY = time.mktime((2020, 4, 27, 0, 0, 0, 0, 0, 0)) - time.timezone  # 2020-04-27 00:00 UTC

# What is not a user, as the real programs send it: Kubernetes' prober names itself
# "kube-probe/<major>.<minor>"; Google's crawler documentation gives Googlebot's agent.
KUBE_PROBE = "kube-probe/1.29"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
POLLER = "curl/7.88.1"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ASSETS = ("/static/app.3f9c2e.js", "/static/app.3f9c2e.css", "/static/logo.png", "/favicon.ico")


def line(end: float, unit: int, transaction: str, took: float, msec: bool = True) -> str:
    method, path = PATHS[transaction]
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(end))
    tail = f" {end:.3f}" if msec else ""
    return (
        f'127.0.0.1 - {unit} [{stamp}] "{method} {path.format(id=unit * 10)} HTTP/1.1" 200 120 '
        f'"-" "locust/2.47" {took:.3f}{tail}'
    )


def raw_line(end: float, client: str, user: str, method: str, target: str, agent: str,
             took: float) -> str:  # fmt: skip
    """One line in the mock's format (nginx combined, request time, msec)."""
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(end))
    return (
        f'{client} - {user} [{stamp}] "{method} {target} HTTP/1.1" 200 120 "-" "{agent}" '
        f"{took:.3f} {end:.3f}"
    )


def bystanders(start: float, end: float, rng: np.random.Generator) -> dict[str, list[tuple]]:
    """A kube probe (``/healthz`` every 10 s), a Googlebot crawl (a page every ~7 s)
    and a poller (one path every 30 s, a beat missed) between ``start`` and ``end``
    (epoch s): records ``(end, line)`` per kind."""
    out: dict[str, list[tuple]] = {"probe": [], "crawler": [], "periodic": []}
    t = start
    while t < end:
        out["probe"].append((t, raw_line(t, "10.0.0.9", "-", "GET", "/healthz", KUBE_PROBE, 0.001)))
        t += 10.0
    t = start + 3.0
    while t < end:
        name = list(PATHS)[int(rng.integers(1, len(PATHS)))]
        _, path = PATHS[name]  # a crawler GETs whatever it finds linked
        target = path.format(id=int(rng.integers(1, 10**6)))
        out["crawler"].append((t, raw_line(t, "66.249.66.1", "-", "GET", target, GOOGLEBOT, 0.02)))
        t += rng.exponential(7.0)
    t, beat = start + 1.0, 0
    while t < end:
        if beat != 5:  # one beat missed, as a restarted cron does
            target = "/api/v1/statements?from=2020-04-01&to=2020-04-30"
            line_ = raw_line(
                t + rng.uniform(-0.3, 0.3), "10.0.0.7", "-", "GET", target, POLLER, 0.05
            )
            out["periodic"].append((t, line_))
        t += 30.0
        beat += 1
    return out


def write_log(
    path: Path,
    users: int = 50,
    think_mean: float = 20.0,
    start_clock: float = 9 * 3600,
    minutes: float = 60.0,
    seed: int = 1,
    msec: bool = True,
    assets: bool = False,
    others: bool = False,
    added: dict[str, int] | None = None,
) -> Path:
    """``users`` users working ``minutes`` each, starting over the first 5 minutes.

    ``assets``: after each ``get_payment`` (a page view) the browser fetches the four
    :data:`ASSETS`, and the user thinks from the end of the last. ``others``: add
    :func:`bystanders`. ``added`` gets the lines added per kind (assets, probe...).
    """
    rng = np.random.default_rng(seed)
    added = added if added is not None else {}
    names = list(FLOWS)
    weights = np.array([FLOWS[n][0] for n in names], dtype=float)
    records = []
    for user in range(users):
        unit = 1_000_001 + user
        t = DAY + start_clock + rng.uniform(0, 300)
        leave = t + minutes * 60
        took = rng.exponential(0.05)
        records.append((t + took, unit, "login", took))
        t += took
        while t < leave:
            for step in FLOWS[names[rng.choice(len(names), p=weights / weights.sum())]][1]:
                t += rng.exponential(think_mean)
                took = rng.exponential(0.05)
                t += took
                records.append((t, unit, step, took))
                if assets and step == "get_payment":
                    for asset in ASSETS:
                        took = rng.uniform(0.005, 0.05)
                        t += 0.01 + took
                        text = raw_line(t, "127.0.0.1", str(unit), "GET", asset, BROWSER, took)
                        records.append((t, unit, text, took))
                        added["assets"] = added.get("assets", 0) + 1
    lines = [(r[0], line(*r, msec=msec) if r[2] in PATHS else r[2]) for r in records]
    if others:
        first, last = min(r[0] for r in records), max(r[0] for r in records)
        for kind, more in bystanders(first, last, rng).items():
            lines += more
            added[kind] = len(more)
    lines.sort(key=lambda item: item[0])
    path.write_text("\n".join(text for _, text in lines) + "\n")
    return path


SHOP = "/shop/api/v2"
SHOP_FLOWS = {
    "browse": (5, ["list_products", "get_product"]),
    "buy": (3, ["create_cart", "create_cart_item", "create_order", "pay_order", "get_order"]),
    "profile": (1, ["get_user_profile"]),
}
REPORTS = [f"report{chr(97 + i)}{chr(97 + j)}" for i in range(3) for j in range(10)]


def _shop_request(step: str, user: int, rng: np.random.Generator) -> tuple[str, str]:
    order = int(rng.integers(10**5, 10**6))
    cart = "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}".format(
        *(int(rng.integers(0, 16**k)) for k in (8, 4, 3, 3, 12))
    )
    return {
        "login": ("POST", f"{SHOP}/session/login"),
        "list_products": ("GET", f"{SHOP}/products?page={int(rng.integers(1, 9))}"),
        "get_product": ("GET", f"{SHOP}/products/{int(rng.integers(1, 5000))}"),
        "create_cart": ("POST", f"{SHOP}/carts"),
        "create_cart_item": ("POST", f"{SHOP}/carts/{cart}/items"),
        "create_order": ("POST", f"{SHOP}/orders"),
        "pay_order": ("POST", f"{SHOP}/orders/{order}/pay"),
        "get_order": ("GET", f"{SHOP}/orders/{order}"),
        "get_user_profile": ("GET", f"{SHOP}/users/{user:024x}/profile"),
        "report": ("GET", f"{SHOP}/{REPORTS[int(rng.integers(len(REPORTS)))]}"),
    }[step]


def write_shop_log(
    path: Path, users: int = 40, think_mean: float = 20.0, minutes: float = 40.0, seed: int = 2
) -> Path:
    """Another service's log (not the mock's API): users from their own addresses (no
    remote user), REST paths with numeric, UUID and hex ids, a page's assets after each
    product view, and thirty rare report pages (the tail past 25 transactions)."""
    rng = np.random.default_rng(seed)
    names = list(SHOP_FLOWS)
    weights = np.array([SHOP_FLOWS[n][0] for n in names], dtype=float)
    records = []
    for user in range(users):
        client = f"10.1.{user // 200}.{user % 200 + 1}"
        t = DAY + 9 * 3600 + rng.uniform(0, 300)
        leave = t + minutes * 60
        steps = ["login"]
        while t < leave:
            for step in steps:
                took = rng.exponential(0.05)
                t += took
                method, target = _shop_request(step, user, rng)
                records.append((t, raw_line(t, client, "-", method, target, BROWSER, took)))
                if step == "get_product":
                    for asset in ASSETS:
                        took = rng.uniform(0.005, 0.05)
                        t += 0.01 + took
                        records.append((t, raw_line(t, client, "-", "GET", asset, BROWSER, took)))
                t += rng.exponential(think_mean)
            flow = names[rng.choice(len(names), p=weights / weights.sum())]
            steps = SHOP_FLOWS[flow][1] + (["report"] if rng.random() < 0.1 else [])
    records.sort(key=lambda item: item[0])
    path.write_text("\n".join(text for _, text in records) + "\n")
    return path
