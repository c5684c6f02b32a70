"""Saving and restoring a Module's tensors by dotted name.

``Module.state_dict`` and ``Module.load_state_dict`` call the two functions
here. The keys are PyTorch's: the attribute path from the root module, such as
``"layers.0.weight"``. The values are the parameters and the persistent buffers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from tinygrad_edu.errors import StateDictError, TinygradEduError
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_edu.nn.module import Module


class IncompatibleKeys(NamedTuple):
    """The keys that ``load_state_dict`` did not match, in state-dict order."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )


def collect_state(
    module: Module,
    destination: dict[str, Any] | None,
    prefix: str,
    keep_vars: bool,
) -> dict[str, Any]:
    """Add ``module``'s entries to ``destination`` (a new OrderedDict if None).

    A module's own parameters come first, then its persistent buffers, then
    each child's entries under ``prefix + child_name + "."``. Children are not
    deduplicated, so a tensor shared by several modules appears under each
    path, as in PyTorch.
    """
    if destination is None:
        destination = OrderedDict()

    for name, param in module._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()

    for name, buffer in module._buffers.items():
        if buffer is not None and name not in module._non_persistent_buffers_set:
            destination[prefix + name] = buffer if keep_vars else buffer.detach()

    for name, child in module._modules.items():
        if child is not None:
            collect_state(child, destination, f"{prefix}{name}.", keep_vars)
    return destination


def load_state(
    module: Module, state_dict: Mapping[str, Any], strict: bool
) -> IncompatibleKeys:
    """Check every entry of ``state_dict``, then copy them all into ``module``.

    Nothing is copied unless every check passes. See ``Module.load_state_dict``.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"load_state_dict expects a mapping, got {type(state_dict).__name__}"
        )

    targets = collect_state(module, None, "", keep_vars=True)
    missing = [key for key in targets if key not in state_dict]
    unexpected = [key for key in state_dict if key not in targets]
    problems = _key_problems(missing, unexpected) if strict else []

    sources: dict[str, Tensor] = {}
    for key, target in targets.items():
        if key in state_dict:
            source, problem = _checked_source(key, state_dict[key], target)
            if problem:
                problems.append(problem)
            else:
                sources[key] = source

    if problems:
        raise StateDictError(
            f"Error(s) in loading state_dict for {type(module).__name__}:\n\t"
            + "\n\t".join(problems)
        )

    with no_grad():
        for key, source in sources.items():
            targets[key].copy_(source.to(targets[key].dtype))
    return IncompatibleKeys(missing, unexpected)


def _key_problems(missing: list[str], unexpected: list[str]) -> list[str]:
    problems = []
    if missing:
        names = ", ".join(repr(key) for key in missing)
        problems.append(f"Missing key(s) in state_dict: {names}.")
    if unexpected:
        names = ", ".join(repr(key) for key in unexpected)
        problems.append(f"Unexpected key(s) in state_dict: {names}.")
    return problems


def _checked_source(key: str, value: Any, target: Tensor) -> tuple[Any, str]:
    """Convert ``value`` to a Tensor and compare its shape with ``target``'s.

    Returns ``(tensor, "")``, or ``(None, problem)`` with a one-line description.
    """
    if not isinstance(value, Tensor):
        try:
            value = Tensor(value)
        except (TypeError, ValueError, TinygradEduError):
            return None, (
                f"expected a Tensor or NumPy array for {key!r}, got "
                f"{type(value).__name__}"
            )

    if value.shape != target.shape:
        return None, (
            f"size mismatch for {key!r}: the state_dict has shape {value.shape}, "
            f"but the module's tensor has shape {target.shape}."
        )
    return value, ""
