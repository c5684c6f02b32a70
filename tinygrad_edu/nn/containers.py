"""Containers of modules: ``Sequential`` (a pipeline) and ``ModuleList``.

Both register their modules under the names "0", "1", ..., so parameter names
read ``"0.weight"``, as in PyTorch. Removing or inserting a module renumbers
the ones after it.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from tinygrad_edu.errors import TinygradEduError
from tinygrad_edu.nn.module import Module, _indent


class _IndexedModules(Module):
    """Positional access shared by Sequential and ModuleList."""

    def _position(self, index: Any) -> int:
        """Return ``index`` as a position in [0, len); negative counts from the end."""
        position = operator.index(index)
        size = len(self._modules)
        if not -size <= position < size:
            raise IndexError(
                f"index {position} is out of range for {type(self).__name__} of "
                f"length {size}"
            )
        return position % size

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for position, module in enumerate(modules):
            self.add_module(str(position), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[self._position(index)]
        self.add_module(key, module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[self._position(index)]
        self._renumber(modules)

    def append(self, module: Module) -> _IndexedModules:
        """Add ``module`` at the end and return self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        """Add each of ``modules`` at the end and return self.

        Raises:
            TypeError: if ``modules`` is not iterable or contains a non-Module.
        """
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"{type(self).__name__}.extend expects an iterable of Modules, "
                f"got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``; ``len(self)`` appends."""
        modules = list(self._modules.values())
        size = len(modules)
        if not -size <= index <= size:
            raise IndexError(
                f"insert position {index} is out of range for "
                f"{type(self).__name__} of length {size}"
            )
        modules.insert(index, module)
        self._renumber(modules)


class Sequential(_IndexedModules):
    """Run modules one after the other, each on the previous one's output.

    Args:
        *args: the modules in order, named "0", "1", ...; or a single
            OrderedDict mapping names to modules.

    Shape:
        - Input: what the first module accepts.
        - Output: what the last module returns. An empty Sequential returns
          its input.

    An error that tinygrad_edu raises inside a layer gets the layer's name
    prepended, as in ``Sequential layer (2): Linear(...) expects ...``, so
    that the message names the layer that failed. Its class does not change.

    Example:
        >>> model = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
        >>> model[0]
        Linear(in_features=4, out_features=8, bias=True)
        >>> len(model[1:])
        2
    """

    def __init__(self, *args: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        named: list[tuple[str, Any]]
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            named = list(args[0].items())
        else:
            named = [(str(position), module) for position, module in enumerate(args)]

        for name, module in named:
            self.add_module(name, module)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[self._position(index)]

    def forward(self, input: Any) -> Any:
        for name, module in self._modules.items():
            try:
                input = module(input)
            except TinygradEduError as error:
                _prepend_to_message(error, f"Sequential layer ({name}): ")
                raise
        return input


def _prepend_to_message(error: TinygradEduError, prefix: str) -> None:
    """Prepend ``prefix`` to the message of ``error``, keeping the same object.

    Changing ``args`` in place keeps the error's class and traceback, so a bare
    ``raise`` re-raises it unchanged apart from the message.
    """
    if error.args and isinstance(error.args[0], str):
        error.args = (prefix + error.args[0], *error.args[1:])


class ModuleList(_IndexedModules):
    """Store modules in a list, registered so that ``parameters()`` finds them.

    A plain Python list of layers is invisible to ``parameters()`` and
    ``state_dict()``; a ModuleList is not. It has no ``forward``: iterate over
    it in the parent's ``forward``.

    Args:
        modules: the initial modules.

    Shape:
        Not applicable, because a ModuleList is not called.
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return list(self._modules.values())[self._position(index)]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        self.extend(modules)
        return self

    def __repr__(self) -> str:
        """Print runs of equal modules once, such as ``(0-2): 3 x Linear(...)``."""
        texts = [repr(module) for module in self]
        if not texts:
            return "ModuleList()"

        lines = []
        start = 0
        while start < len(texts):
            end = start
            while end + 1 < len(texts) and texts[end + 1] == texts[start]:
                end += 1
            text = _indent(texts[start], 2)
            if start == end:
                lines.append(f"({start}): {text}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {text}")
            start = end + 1
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"
