"""The jobs' defaults that the command line prints in its help.

They live apart from the jobs so that building ``peakload``'s parser imports
none of them: a job pulls in its engines (SimPy, scipy, FastAPI, Locust), and
``peakload --help`` should not wait for those. Each job module uses the same
values for its options' defaults, so the help and the job cannot disagree.
"""

from __future__ import annotations

LOADTEST_MIN_REQUESTS = 100
"""A load test that measures fewer requests in its window than this could not run (exit 2)."""
RESTART_AFTER_S = 2.0
"""Seconds a mock killed by ``--kill-server-at`` stays down before it is started again."""

VALIDATE_LEVELS = (0.25, 0.5, 1.0)
"""The plateau levels ``validate`` runs, as shares of the scenario's peak users."""
VALIDATE_MIN_REQUESTS = 1000
"""Requests each validation level's pilot window is planned to hold (at the no-queueing
rate): the pilot's batch means size the level's plateau."""
VALIDATE_MAX_MINUTES = 25.0
"""Wall minutes a validation may take: its plateaus are lengthened within them until the
rows that matter are decisive."""
VALIDATE_WARMUP_S = 30.0
"""Wall seconds of each validation plateau before its window: neither side measures them."""
VALIDATE_MIN_WINDOW_S = 60.0
"""Wall seconds a validation window lasts at least, whatever ``--min-requests`` asks: ten
scenario-clock minutes at a plateau's x10, so ten batch means for each measured interval."""
VALIDATE_PREDICT_SECONDS = 60.0
"""Wall seconds of replications one level's prediction may take while it narrows its
half-widths (the replications of its first run are always made)."""
DRILL_COMPRESS = 8.0
"""validate's failure drill runs at this compression, unless fitting the run into the
load test's default wall time needs more."""

CALIBRATE_INTERVAL_S = 5.0
"""Length of the windows calibration regresses over (s)."""
CALIBRATE_PLAN_INTERVAL_S = 2.0
"""Length of the windows with ``--plan``: a phase's few tens of seconds hold enough."""
CALIBRATE_REPLICATES = 200
"""Bootstrap replicates of calibration's estimates."""
CALIBRATE_PLAN_WALL_S = 900.0
"""Wall seconds ``calibrate --plan`` may spend at most: it stops sooner once precise."""
CALIBRATE_PHASE_S = 30.0
"""Wall seconds of each phase (one load test) of ``calibrate --plan``."""
CALIBRATE_PRECISION = 0.15
"""The relative half-width every major demand's 95 % interval must reach."""
CALIBRATE_MAJOR_SHARE = 0.05
"""A transaction carrying at least this share of the model's requests is major: its
demands must be identified, or the calibration is inconclusive."""
