"""A workload from an access log: who was signed in when, how long they thought,
and what they did in what order.

The pipeline, each step a module:

1. :mod:`~.lines` reads the log in batches of lines and parses each batch
   into columns by splitting inside polars, not in a Python loop: nginx
   ``combined`` with the request time (and optionally ``$msec``) appended, or
   JSON lines. A line that does not parse is counted, and the first is kept as
   the example.
2. :mod:`~.routes` names each request's transaction from its method and path.
3. :mod:`~.sessions` cuts each user's requests into sessions at an
   inactivity gap, carrying open sessions from one batch to the next, and
   gathers what the scenario needs: session intervals, think times,
   transitions, response times, the mix. Memory is bounded by sessions and
   users, not by lines.
4. :mod:`~.fitting`, :mod:`~.flows` and :mod:`~.simplify` turn those into a
   think-time distribution, weighted flows and a concurrency profile of at
   most 30 breakpoints; :mod:`~.derive` puts it together.
"""
