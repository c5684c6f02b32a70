"""``RemovableHandle``: what every ``register_*hook`` method returns."""

from __future__ import annotations

from typing import Any


class RemovableHandle:
    """A registered hook; ``remove()`` unregisters it (a second call does nothing).

    Also a context manager that removes the hook on exit.
    """

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        """Unregister the hook."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()
