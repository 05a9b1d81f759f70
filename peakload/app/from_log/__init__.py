"""The ``from_log`` job and the modules only it uses."""
