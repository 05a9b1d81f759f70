"""The ``simulate`` job and the modules only it uses."""
