"""The ``loadtest`` job and the modules only it uses."""
