"""A plan-mode user: its states, the moves between them, and how it works and parks.

:class:`PlanUser` is one user of a load test's sign-in pool as the model of that
load test runs it (:mod:`simulation.plan_model` has the plan's whole story: wall
time, setup, the active count). Its :class:`UserState` says what the user is doing;
:data:`MOVES` says which state may follow which, so a user is never in two loops
at once.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from simpy.events import Timeout

from peakload.core.stationary import FlowEntry, first_entry
from simulation.clients import User
from simulation.model import Model
from simulation.request import Request, Route

if TYPE_CHECKING:
    from simulation.plan_model import PlanPool


class UserState(Enum):
    """Where a plan-mode user stands; :data:`MOVES` lists the moves between them.

    What the pool *wants* of the user (to work or to park) is a separate flag,
    ``active``: the state says what the user is doing about it, so a user told
    to park while a request is in flight finishes that request first.
    """

    NEW = "new"
    """Not yet asked to sign in."""
    SIGNING_IN = "signing in"
    """Its sign-in (or a retry of it) is in flight or waiting to be sent again."""
    IDLE = "idle"
    """Signed in and nothing pending: parked, or not yet resumed."""
    THINKING = "thinking"
    """A think timer is running; parking cancels it."""
    SENDING = "sending"
    """A request of its flow, or that request's retry, is in flight."""


MOVES: dict[UserState, frozenset[UserState]] = {
    UserState.NEW: frozenset({UserState.SIGNING_IN, UserState.IDLE}),
    UserState.SIGNING_IN: frozenset({UserState.IDLE}),
    UserState.IDLE: frozenset({UserState.THINKING}),
    UserState.THINKING: frozenset({UserState.SENDING, UserState.IDLE}),
    UserState.SENDING: frozenset({UserState.THINKING, UserState.IDLE}),
}
"""The moves a plan-mode user may make (a move to the state it is in is no move):
signing in ends idle; only an idle user resumes, by thinking; a think ends in a
request, or idle when parking cancels it; a request ends in the next think, or
idle when the user was parked meanwhile. A user is never in two loops at once,
because only :attr:`UserState.IDLE` resumes."""


class PlanUser(User):
    """A user of the sign-in pool: signs in during setup, then works while its rank
    is below the active count, parking (signed in) whenever it is above it.

    Its :class:`UserState` moves as :data:`MOVES` allows. A user reactivated
    while a request is pending (:attr:`UserState.SENDING`) simply carries on. A
    think timer is cancelled by parking (``epoch`` moves on, the timer finds
    itself stale).
    """

    __slots__ = ("epoch", "pool", "sent_s", "state")

    def __init__(self, model: Model, pool: PlanPool):
        super().__init__(model, pool.think)
        self.pool = pool
        """The pool this user belongs to: its entry draws and residual thinks."""
        self.active = False
        self.state = UserState.NEW
        self.epoch = 0
        self.sent_s = 0.0
        """When the step in flight was first sent (its retries keep it)."""

    @property
    def signed_in(self) -> bool:
        return self.state is not UserState.NEW and self.state is not UserState.SIGNING_IN

    def _move(self, to: UserState) -> None:
        assert to is self.state or to in MOVES[self.state], f"{self.state} -> {to}"
        self.state = to

    # --- setup: sign in, then park ---------------------------------------------

    def sign_in(self, event: Timeout) -> None:
        login = self.model.login_route
        if login is None:
            self._signed_in()
            return
        self._move(UserState.SIGNING_IN)
        self.steps, self.step = (login,), 0
        self._send()

    def _signed_in(self) -> None:
        self._move(UserState.IDLE)
        self.steps = ()  # no place in a flow yet: the first activation draws one
        if self.active:
            self.resume()

    def _sign_in_failed(self) -> None:
        model = self.model
        if self.retries_left > 0:
            self.retries_left -= 1
            Timeout(model.env, model.retry_delay_s).callbacks.append(self._sign_in_again)
        else:  # as on the real day: a failed sign-in is tried again after thinking
            Timeout(model.env, self.pool.think_after(0.0)).callbacks.append(self._sign_in_anew)

    def _sign_in_again(self, event: Timeout) -> None:
        Request(self.model, self, self.steps[self.step]).proceed()

    def _sign_in_anew(self, event: Timeout) -> None:
        self._send()

    # --- the day: work, park, resume --------------------------------------------

    def activate(self) -> None:
        self.active = True
        if self.state is UserState.IDLE:
            self.resume()

    def park(self) -> None:
        """Surplus: park at once while thinking, else after the request in flight."""
        self.active = False
        self.epoch += 1
        if self.state is UserState.THINKING:
            self._move(UserState.IDLE)

    def resume(self) -> None:
        """Work from where the user stands (the first time: where the workload's
        ``entry`` puts it, by default the stationary state of a user already at
        work), after a fresh residual think time: parked wherever it stood, its
        place is stationary too. A ``first_step`` entry sends its first request at
        once."""
        pool = self.pool
        first = not self.steps
        if first:
            entry = first_entry(
                pool.entry, pool.flow_weights, pool.flow_lengths, None, pool.entry_rng
            )
            self.steps = self.model.flow_routes[entry.flow]
            self.step = entry.step
        at_first_step = first and pool.entry is FlowEntry.FIRST_STEP  # no think before it
        self._wait(0.0 if at_first_step else pool.residual_think())

    def _think(self) -> None:
        self._wait(self.pool.think_after(self.model.env._now - self.sent_s))

    def _wait(self, seconds: float) -> None:
        self._move(UserState.THINKING)
        epoch = self.epoch
        Timeout(self.model.env, seconds).callbacks.append(lambda _e: self._thought_in(epoch))

    def _thought_in(self, epoch: int) -> None:
        if epoch == self.epoch:  # else parked meanwhile: this timer is stale
            self._move(UserState.SENDING)
            self.sent_s = self.model.env._now
            self._send()

    def _resend(self, event: Timeout) -> None:
        if self.active:
            Request(self.model, self, self.steps[self.step]).proceed()
        else:
            self._move(UserState.IDLE)  # resumes by retrying this step

    def responded(self, route: Route, ok: bool) -> None:
        if self.state is UserState.SIGNING_IN:
            if ok:
                self._signed_in()
            else:
                self._sign_in_failed()
            return
        if not ok and self.retries_left > 0 and self.active:
            self.retries_left -= 1
            Timeout(self.model.env, self.model.retry_delay_s).callbacks.append(self._resend)
            return
        if ok:
            self.step += 1
            if self.step == len(self.steps):
                self._pick_flow()
        else:
            self._pick_flow()  # give up the rest of this flow
        if self.active:
            self._think()
        else:
            self._move(UserState.IDLE)  # parks after its request in flight, at its next step
