"""The ``serve`` job and the modules only it uses."""
