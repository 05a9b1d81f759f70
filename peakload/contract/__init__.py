"""The contract layer: names and output shapes shared by every engine.

The API's transaction names, the admin token a development server accepts,
and the typed models of ``summary.json`` and ``timeseries.csv``. Engines write
them, ``compare``/``validate``/``calibrate`` read them. Imports only core.
"""
