"""The ``compare`` job and the modules only it uses."""
