"""Siaga command-line tools (`python -m siaga <command>`)."""
