"""A workload from an access log: who was signed in when, how long they thought,
and what they did in what order.

The pipeline, each step a module:

1. :mod:`~.source` reads one day of the logs on one clock (:mod:`~.clock`):
   :mod:`~.lines` reads each file (plain or gzipped) in batches of lines and
   parses each batch into columns by splitting inside polars, not in a Python
   loop: the Common Log Format family (:mod:`~.clf`: Apache's and nginx's
   ``common`` and ``combined``, with Apache's ``%D``/``%T`` or nginx's
   ``$request_time``), W3C extended (:mod:`~.w3c`, IIS) or JSON lines
   (:mod:`~.jsonl`), each told from the first lines (:mod:`~.formats`).
   :mod:`~.order` sorts the requests within a bounded window and merges
   several files by time. A line that does not parse is counted, and the
   first is kept as the example.
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
