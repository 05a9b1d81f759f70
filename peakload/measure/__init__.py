"""The measure layer: numbers from raw observations.

One reducer turns per-request records into the window summary and the
per-minute series for both the simulator and the load test; one judge turns a
summary and an SLO into a verdict; ``compare`` tells a regression from noise.
Imports core and contract only.
"""
