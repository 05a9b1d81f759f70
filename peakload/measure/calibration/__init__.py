"""Service demands from measurements: utilization-law regression and its fallbacks."""
