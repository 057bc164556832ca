"""The deprecated keyword ``frequency=`` of the models, now ``repeat_purchases=``.

rfmkit's glossary calls *all* orders ``frequency``; the models count repeat
purchases (purchase days after the first). One name, one meaning: the
models' argument is ``repeat_purchases``, and ``frequency=`` still works for
a while with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar, cast

from rfmkit.errors import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

DEPRECATED_FREQUENCY = (
    "The models' argument frequency= is deprecated: call it repeat_purchases= "
    "(purchases after the first; in rfmkit, frequency counts all orders)."
)


def accepts_frequency(method: F) -> F:
    """Let ``method`` take ``frequency=`` as a deprecated alias of ``repeat_purchases=``."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "frequency" in kwargs:
            if "repeat_purchases" in kwargs:
                raise ConfigError(
                    "Both repeat_purchases= and its old name frequency= were given.",
                    fix="Pass repeat_purchases= only.",
                )
            warnings.warn(DEPRECATED_FREQUENCY, DeprecationWarning, stacklevel=2)
            kwargs["repeat_purchases"] = kwargs.pop("frequency")
        return method(*args, **kwargs)

    return cast(F, wrapper)
