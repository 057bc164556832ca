"""``python -m rfmkit``: the same as the ``rfmkit`` command."""

from rfmkit.cli import entry

entry()
