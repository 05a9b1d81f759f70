"""The payment order's transition table: the one statement of its life cycle."""

from __future__ import annotations

import pytest

from peakload.contract.payment_order import (
    FINAL,
    INITIAL,
    LIFE_CYCLE,
    UNPAID,
    Party,
    PaymentOrderAction,
    PaymentOrderStatus,
    TransitionNotAllowed,
    allows,
    awaiting,
    next_status,
    statuses_after,
)

S, A = PaymentOrderStatus, PaymentOrderAction


def test_the_wire_values_are_the_apis_strings():
    assert [s.value for s in S] == ["draft", "signed", "submitted", "accepted", "paid", "rejected"]


def test_the_happy_path_reaches_paid_and_every_status_is_reachable():
    status = INITIAL
    for action in (A.SIGN, A.SUBMIT, A.ACCEPT, A.PAY):
        status = next_status(action, status)
    assert status is S.PAID
    assert {INITIAL} | {t.target for t in LIFE_CYCLE.values()} == set(S)


def test_sign_after_submit_is_refused_with_the_statuses_it_needs():
    assert not allows(A.SIGN, S.SUBMITTED)
    with pytest.raises(TransitionNotAllowed) as refused:
        next_status(A.SIGN, "submitted")
    assert refused.value.action is A.SIGN and refused.value.status == "submitted"
    assert str(refused.value) == "is submitted; only a draft order can be signed"


def test_unknown_status_is_refused_not_guessed():
    with pytest.raises(TransitionNotAllowed):
        next_status(A.PAY, "lost")


def test_derived_sets_follow_the_table():
    assert {S.PAID, S.REJECTED} == FINAL
    assert {S.SIGNED, S.SUBMITTED, S.ACCEPTED} == UNPAID  # a draft commits no account
    assert statuses_after(A.SIGN) == set(S) - {S.DRAFT}
    assert statuses_after(A.SUBMIT) == {S.SUBMITTED, S.ACCEPTED, S.PAID, S.REJECTED}
    assert awaiting(Party.TREASURY) == {S.SUBMITTED, S.ACCEPTED}
    assert awaiting(Party.UNIT) == {S.DRAFT, S.SIGNED}


def test_no_action_leads_back_so_an_order_passes_each_action_once():
    for action, transition in LIFE_CYCLE.items():
        assert not transition.sources & statuses_after(action), action
