"""The ``calibrate`` job and the modules only it uses."""
