"""The request mappings peakload ships: our mock's API as a tasks module
(``treasury.py``, the default load test's users) and as a request map
(``treasury.requests.toml``). Neither is imported by name: both are read
through the public ``--tasks`` / ``--requests`` mechanism, as a user's own."""
