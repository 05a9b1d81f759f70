"""The service doing its own real work (``peakload serve --work real``).

Where the emulating mock holds a slot for a sampled service time, this one
spends the time the work itself takes: PostgreSQL reads and writes in real
transactions over a seeded schema (:mod:`mock_server.real.seed`), RSA
signatures and a three-certificate chain verified on every signed step
(:mod:`mock_server.real.pki`), statements aggregated by the database, answers
of realistic size. It has no sleeps, no slots and no tiers of its own: its
busy time is whatever the operating system sees its processes spend
(``--busy-time`` with process sources, :mod:`loadtests.busy_sources`).

It runs as a server stack (:mod:`mock_server.real.stack`): N uvicorn worker
processes on one listening socket, optionally behind Debian's nginx, and a
PostgreSQL of its own when no ``--db`` is given; every process is started,
reported and stopped by its PID.
"""
