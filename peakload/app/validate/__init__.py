"""The ``validate`` job and the modules only it uses."""
