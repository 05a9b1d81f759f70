"""The ``size`` job and the modules only it uses."""
