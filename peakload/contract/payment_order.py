"""The payment order's life cycle: its statuses, and which action moves it where.

A budget unit drafts a payment order, signs it and submits it to the Treasury;
the Treasury's expenditure control then accepts or rejects it, and pays an
accepted one. That is the whole life cycle, and this module states it once, as
data::

    draft --sign--> signed --submit--> submitted --accept--> accepted --pay--> paid
                                                 \\--reject--> rejected

Every reader works from :data:`LIFE_CYCLE`, so none of them spells a status:

- the mock's routes refuse ``sign`` or ``submit`` with 409 when
  :func:`next_status` raises :class:`TransitionNotAllowed`, and their SQL
  ``WHERE status IN (...)`` takes its set from :attr:`Transition.sources` (the
  database still decides, atomically, which of two racing requests wins);
- the mock's expenditure control looks for orders in the statuses a
  :attr:`Party.TREASURY` action leaves (:func:`awaiting`);
- the load test's ledger counts how many orders went through ``sign`` and
  ``submit`` from the server's count of orders by status (:func:`statuses_after`).

The statuses are the wire values of the API: ``PaymentOrderStatus("paid")`` is
what a client reads in ``"status": "paid"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class PaymentOrderStatus(StrEnum):
    """Where a payment order is in its life cycle; the value is the API's string."""

    DRAFT = "draft"
    """Created by the unit, still editable in principle; commits nothing yet."""
    SIGNED = "signed"
    """Signed by the unit's chief accountant; the payer account is committed."""
    SUBMITTED = "submitted"
    """Sent to the Treasury, awaiting expenditure control."""
    ACCEPTED = "accepted"
    """Passed expenditure control, awaiting payment."""
    PAID = "paid"
    """Paid out: final. The order appears on the unit's statement."""
    REJECTED = "rejected"
    """Refused by expenditure control, with a reason: final."""


class PaymentOrderAction(StrEnum):
    """Something that moves a payment order from one status to the next."""

    SIGN = "sign"
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    PAY = "pay"


class Party(StrEnum):
    """Who takes an action: the budget unit (through the API) or the Treasury."""

    UNIT = "unit"
    TREASURY = "treasury"


@dataclass(frozen=True)
class Transition:
    """One row of the life cycle: ``action`` moves an order in ``sources`` to ``target``."""

    action: PaymentOrderAction
    sources: frozenset[PaymentOrderStatus]
    """The statuses the action is allowed from; any other answers 409."""
    target: PaymentOrderStatus
    """The status the action leaves the order in."""
    by: Party
    """Who takes it: the unit's requests, or the Treasury's expenditure control."""

    @property
    def source_values(self) -> tuple[str, ...]:
        """``sources`` as plain strings, sorted: what a SQL ``IN (...)`` binds."""
        return tuple(sorted(status.value for status in self.sources))


INITIAL = PaymentOrderStatus.DRAFT
"""The status a new payment order is created in."""

_S = PaymentOrderStatus
_A = PaymentOrderAction

LIFE_CYCLE: Mapping[PaymentOrderAction, Transition] = MappingProxyType(
    {
        _A.SIGN: Transition(_A.SIGN, frozenset({_S.DRAFT}), _S.SIGNED, Party.UNIT),
        _A.SUBMIT: Transition(_A.SUBMIT, frozenset({_S.SIGNED}), _S.SUBMITTED, Party.UNIT),
        _A.ACCEPT: Transition(_A.ACCEPT, frozenset({_S.SUBMITTED}), _S.ACCEPTED, Party.TREASURY),
        _A.REJECT: Transition(_A.REJECT, frozenset({_S.SUBMITTED}), _S.REJECTED, Party.TREASURY),
        _A.PAY: Transition(_A.PAY, frozenset({_S.ACCEPTED}), _S.PAID, Party.TREASURY),
    }
)
"""The transition table: action -> (allowed from-statuses, to-status, who takes it)."""


_DONE = {
    _A.SIGN: "signed",
    _A.SUBMIT: "submitted",
    _A.ACCEPT: "accepted",
    _A.REJECT: "rejected",
    _A.PAY: "paid",
}


class TransitionNotAllowed(ValueError):
    """An action asked of an order in a status the action does not leave.

    ``str()`` reads as the end of a sentence about the order, e.g.
    ``"is submitted; only a draft order can be signed"``; the mock answers it
    with 409 Conflict.
    """

    def __init__(self, action: PaymentOrderAction, status: PaymentOrderStatus | str):
        self.action = action
        self.status = status
        sources = " or ".join(LIFE_CYCLE[action].source_values)
        super().__init__(f"is {status}; only a {sources} order can be {_DONE[action]}")


def allows(action: PaymentOrderAction, status: PaymentOrderStatus | str) -> bool:
    """Whether ``action`` may be taken on an order in ``status``."""
    return status in LIFE_CYCLE[action].sources


def next_status(action: PaymentOrderAction, status: PaymentOrderStatus | str) -> PaymentOrderStatus:
    """The status ``action`` moves an order in ``status`` to.

    Raises :class:`TransitionNotAllowed` when the table has no such move, e.g.
    ``next_status(PaymentOrderAction.SIGN, "submitted")``.
    """
    transition = LIFE_CYCLE[action]
    if status not in transition.sources:
        raise TransitionNotAllowed(action, status)
    return transition.target


def statuses_after(action: PaymentOrderAction) -> frozenset[PaymentOrderStatus]:
    """The statuses that show an order went through ``action``.

    The action's target and every status reachable from it: after ``sign``, an
    order is signed, submitted, accepted, paid or rejected. The life cycle has
    no way back, so an order in one of these has been through the action once.
    """
    reached = {LIFE_CYCLE[action].target}
    frontier = list(reached)
    while frontier:
        status = frontier.pop()
        for transition in LIFE_CYCLE.values():
            if status in transition.sources and transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    return frozenset(reached)


def awaiting(party: Party) -> frozenset[PaymentOrderStatus]:
    """The statuses in which an order waits for ``party`` to take an action."""
    return frozenset(
        status
        for transition in LIFE_CYCLE.values()
        if transition.by is party
        for status in transition.sources
    )


FINAL: frozenset[PaymentOrderStatus] = frozenset(
    status for status in PaymentOrderStatus if not any(allows(a, status) for a in LIFE_CYCLE)
)
"""The statuses no action leaves: paid and rejected."""

UNPAID: frozenset[PaymentOrderStatus] = statuses_after(PaymentOrderAction.SIGN) - FINAL
"""Signed but neither paid nor rejected: such an order still commits its payer account,
which therefore cannot be closed (a draft commits nothing)."""


PAYEES = (
    "Tổng công ty Điện lực Hà Nội",
    "Công ty TNHH MTV Nước sạch Hà Nội",
    "Tập đoàn Bưu chính Viễn thông Việt Nam",
    "Công ty CP Văn phòng phẩm Hồng Hà",
    "Công ty TNHH Thiết bị tin học Phương Nam",
    "Công ty CP Xây dựng và Sửa chữa công trình số 4",
    "Vietnam Airlines",
    "Khách sạn Công đoàn Việt Nam",
    "Công ty TNHH Dịch vụ vệ sinh môi trường Xanh",
    "Bảo hiểm xã hội Việt Nam",
)
"""Payees a budget unit pays: the load test's new orders and the real-work
service's seeded ones draw from the same list."""
