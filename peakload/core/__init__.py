"""The core layer: what a scenario *is*.

The scenario file's schema and loader, the workload, service-time
distributions, the concurrency profile, the scenario clock, seeded sampling
streams, the budget units and process settings. Nothing here imports from any
other layer of peakload.
"""
