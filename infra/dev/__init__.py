"""Development tools: the local stack, broker, cluster and PostgreSQL launchers. Not part of the
installed runtime (pyproject excludes this package from the wheel)."""
