"""Builds of library methods with one tool's statements taken out.

To measure what a switched-off tool costs, the suite compares the library
as it is with a build that does not have the tool. It makes that build from
the library's own source. It parses a method and removes the statements
that belong to the tool. Then it compiles the rest in the method's module
and installs the result on the class for the duration of a call.

A statement belongs to the tool when it mentions one of the tool's names,
as a variable or as an attribute. An ``if`` whose test mentions one is
replaced by the branch that runs while the tool is off. A ``for`` or
``while`` whose header mentions one is removed whole, and a ``with`` loses
only the context managers that mention one. Compound statements otherwise
keep their header, and their bodies are searched in turn.
"""

from __future__ import annotations
import __future__

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class BuildError(RuntimeError):
    """Raised when a build without a tool cannot be made, or computes otherwise."""


@dataclass(frozen=True)
class Removal:
    """The statements of one method that belong to a tool.

    ``qualname`` is ``"Class.method"`` in ``module``. ``off_branch`` names the
    branch of an ``if`` on the tool that runs while the tool is off: "orelse"
    when the test is false then (``if anomaly_enabled():``), "body" when it
    is true (``if not self._hooks:``).
    """

    module: str
    qualname: str
    names: tuple[str, ...]
    off_branch: str = "orelse"


class _Stripper:
    """Remover of the statements that mention ``names``, with a count of them."""

    def __init__(self, names: tuple[str, ...], off_branch: str) -> None:
        self.names = set(names)
        self.off_branch = off_branch
        self.removed = 0

    def mentions(self, node: ast.AST) -> bool:
        return any(
            (isinstance(child, ast.Name) and child.id in self.names)
            or (isinstance(child, ast.Attribute) and child.attr in self.names)
            for child in ast.walk(node)
        )

    def block(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        """Return ``statements`` stripped; ``pass`` if nothing is left."""
        return self.branch(statements) or [ast.Pass()]

    def branch(self, statements: list[ast.stmt]) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for statement in statements:
            kept += self.statement(statement)
        return kept

    def statement(self, statement: ast.stmt) -> list[ast.stmt]:
        """Return what replaces ``statement``: itself, a branch, or nothing."""
        if isinstance(statement, ast.If) and self.mentions(statement.test):
            self.removed += 1
            return self.branch(getattr(statement, self.off_branch))
        if isinstance(statement, ast.With):
            return self._with(statement)
        header = _header(statement)
        if header is None:
            if self.mentions(statement):
                self.removed += 1
                return []
            return [statement]
        if any(self.mentions(node) for node in header):
            self.removed += 1
            return []
        self._strip_bodies(statement)
        return [statement]

    def _with(self, statement: ast.With) -> list[ast.stmt]:
        items = [item for item in statement.items if not self.mentions(item)]
        self.removed += len(statement.items) - len(items)
        body = self.block(statement.body)
        if not items:
            return body
        statement.items, statement.body = items, body
        return [statement]

    def _strip_bodies(self, statement: ast.stmt) -> None:
        statement.body = self.block(statement.body)  # type: ignore[attr-defined]
        for field in ("orelse", "finalbody"):
            if hasattr(statement, field):
                setattr(statement, field, self.branch(getattr(statement, field)))
        for handler in getattr(statement, "handlers", ()):
            handler.body = self.block(handler.body)


def _header(statement: ast.stmt) -> list[ast.AST] | None:
    """Return the header parts of a compound statement, None for a simple one."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return [statement.target, statement.iter]
    if isinstance(statement, (ast.While, ast.If)):
        return [statement.test]
    if isinstance(statement, ast.Try):
        return []
    return None


def build(removal: Removal) -> tuple[type, str, Any]:
    """Compile the method of ``removal`` without the tool's statements.

    Returns the class, the attribute name and the new attribute value, such
    as a function, a classmethod or a property. Raises ``BuildError`` if the
    method mentions none of the names, which means the library changed.
    """
    module = importlib.import_module(removal.module)
    class_name, attribute = removal.qualname.split(".")
    owner = getattr(module, class_name)
    original = owner.__dict__[attribute]
    function = getattr(original, "fget", None) or getattr(
        original, "__func__", original
    )

    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef):
        raise BuildError(f"{removal.qualname} is not a function definition")
    stripper = _Stripper(removal.names, removal.off_branch)
    definition.body = stripper.block(definition.body)
    if stripper.removed == 0:
        raise BuildError(
            f"{removal.module}.{removal.qualname} mentions none of "
            f"{', '.join(removal.names)}; update the tool's removals"
        )

    ast.fix_missing_locations(tree)
    flags = __future__.annotations.compiler_flag
    code = compile(tree, inspect.getsourcefile(function) or "<stripped>", "exec", flags)
    namespace: dict[str, Any] = {}
    exec(code, vars(module), namespace)
    return owner, attribute, namespace[definition.name]


def without(
    removals: list[Removal], function: Callable[[], object]
) -> Callable[[], object]:
    """Wrap ``function`` so that each call runs with the stripped methods."""
    builds = [build(removal) for removal in removals]
    originals = [(owner, name, owner.__dict__[name]) for owner, name, _ in builds]

    def run() -> object:
        for owner, name, value in builds:
            setattr(owner, name, value)
        try:
            return function()
        finally:
            for owner, name, value in originals:
                setattr(owner, name, value)

    return run
