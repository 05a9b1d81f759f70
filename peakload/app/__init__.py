"""The application layer: one function per job.

``simulate``, ``loadtest``, ``size``, ``serve``, ``compare``: each takes typed
options, runs an engine, writes its run directory and returns a typed result.
The CLI, the benchmarks and the tests call these, never ``main([...])``.
"""
