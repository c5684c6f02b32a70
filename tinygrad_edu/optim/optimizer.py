"""``Optimizer``: the base class that stores parameter groups and per-parameter state.

A subclass such as ``SGD`` implements ``step()``. The base class does the rest
of the bookkeeping, with PyTorch's semantics:

- ``param_groups``: a list of dicts. Each has a ``'params'`` list of Tensors
  and one value per hyperparameter, taken from the group itself or from the
  optimizer's defaults.
- ``state``: a dict from parameter Tensor to a dict of that parameter's state,
  such as a momentum buffer. It is filled by ``step()``.
- ``state_dict()`` and ``load_state_dict()``: the same data with each
  parameter replaced by its index, counted across all groups in order.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinygrad_edu.dtypes import is_floating
from tinygrad_edu.errors import warn_caller
from tinygrad_edu.grad_mode import enable_grad, no_grad
from tinygrad_edu.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class of the optimizers: parameter groups, state and state dicts.

    Args:
        params: an iterable of Tensors, or of dicts that each define a parameter
            group. A group dict has a ``'params'`` entry (a Tensor or a list of
            Tensors) and may override any key of ``defaults``.
        defaults: the hyperparameters that a group gets unless it sets them.

    Raises:
        TypeError: if ``params`` is a Tensor or a set, or contains something
            that is not a Tensor.
        ValueError: if ``params`` is empty, contains a non-leaf Tensor, or
            puts one parameter in two groups.

    A Tensor that does not require grad is accepted, as in PyTorch. Its
    ``grad`` stays None, so ``step()`` skips it.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params must be an iterable of Tensors or of dicts, but got a "
                f"single Tensor of shape {params.shape}; pass [tensor] instead"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]

        for param_group in param_groups:
            self.add_param_group(param_group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyperparameters, to optimize.

        The group is copied, and its missing hyperparameters are filled in from
        ``defaults``. The optimizer is unchanged if an error is raised.

        Args:
            param_group: a dict with a ``'params'`` entry (a Tensor or an
                ordered iterable of Tensors) and optional hyperparameters.

        Raises:
            TypeError: if ``param_group`` is not a dict, its ``'params'`` is a
                set, one of its params is not a Tensor, or a hyperparameter
                has the wrong type.
            ValueError: if ``'params'`` is missing, a param is a non-leaf
                Tensor, a param is already in another group, or a
                hyperparameter is out of range (see the subclass).
        """
        if not isinstance(param_group, dict):
            raise TypeError(
                "param_group must be a dict, but got "
                f"{type(param_group).__name__}; pass {{'params': [...], ...}}"
            )
        if "params" not in param_group:
            raise ValueError(
                f"param_group has no 'params' entry; got the keys {sorted(param_group)}"
            )

        group = dict(param_group)
        group["params"] = _param_list(group["params"])
        _check_params(group["params"])
        for name, default in self.defaults.items():
            group.setdefault(name, default)

        self._check_hyperparameters(group)
        self._check_not_in_other_groups(group["params"])
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise if a group's hyperparameters are invalid; subclasses override it.

        ``add_param_group`` calls it before the group is added, so an invalid
        group leaves the optimizer unchanged.
        """

    def _check_not_in_other_groups(self, params: list[Tensor]) -> None:
        ids = {id(param) for param in params}
        if len(ids) != len(params):
            warn_caller(
                "optimizer contains a parameter group with duplicate parameters; "
                "each repeated parameter is updated once per occurrence. Pass "
                "every parameter once."
            )
        for group_index, group in enumerate(self.param_groups):
            for param in group["params"]:
                if id(param) in ids:
                    raise ValueError(
                        "some parameters appear in more than one parameter group: "
                        f"a parameter of shape {param.shape} is already in group "
                        f"{group_index}. Put each parameter in one group only."
                    )

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every parameter.

        Args:
            set_to_none: set ``grad`` to None, which frees its memory and makes
                ``step()`` skip the parameter until the next backward. When
                False, detach each existing ``grad`` from any graph and fill it
                with zeros in place, so ``step()`` still updates the parameter
                (weight decay and momentum still act on it).
        """
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                    continue

                grad = param.grad
                if grad.grad_fn is not None:
                    grad = grad.detach()
                    param.grad = grad
                else:
                    grad.requires_grad_(False)
                grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update each parameter that has a gradient once, without recording.

        Args:
            closure: a function that recomputes the loss (including its
                backward) and returns it. It runs with grad mode enabled,
                before the update.

        Returns:
            The closure's return value, or None without a closure.
        """
        loss = self._evaluate_closure(closure)
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update_param(param, param.grad, group)
        return loss

    def _update_param(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        """Apply the optimizer's rule to one parameter; subclasses implement it."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _update_param(), or override step()"
        )

    @staticmethod
    def _evaluate_closure(closure: Callable[[], Any] | None) -> Any:
        """Call ``closure`` with grad mode enabled and return its result, or None."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer's state and hyperparameters as a dict.

        The layout is PyTorch's::

            {"state": {0: {"momentum_buffer": tensor(...)}, ...},
             "param_groups": [{"lr": 0.1, ..., "params": [0, 1]}, ...]}

        A parameter is replaced by its index, counted over all groups in order.
        The state Tensors are copies, so later steps do not change a dict
        returned earlier. PyTorch 2.13 returns the live Tensors instead.
        """
        # As in PyTorch, a parameter's index is the position of its first entry
        # in the concatenated groups, so a repeated parameter skips an index.
        indices: dict[int, int] = {}
        position = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            for param in group["params"]:
                indices.setdefault(id(param), position)
                position += 1
            packed["params"] = [indices[id(param)] for param in group["params"]]
            packed_groups.append(packed)

        packed_state = {}
        for key, value in self.state.items():
            index = indices[id(key)] if isinstance(key, Tensor) else key
            packed_state[index] = _copy_value(value)
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Replace the state and hyperparameters with those of ``state_dict``.

        The saved groups are matched to this optimizer's groups by position, and
        the saved parameter indices to its parameters in order. Everything is
        deep-copied, so the optimizer never shares Tensors with ``state_dict``.
        Floating-point state Tensors are cast to their parameter's dtype, except
        a ``'step'`` count, which keeps its dtype (PyTorch 2.13 does the same).

        Args:
            state_dict: a dict returned by ``state_dict()``.

        Raises:
            TypeError: if ``state_dict`` is not a dict.
            ValueError: if a key is missing, or the number of groups or the
                number of parameters in a group differs from this optimizer's.
                The optimizer is unchanged when an error is raised.
        """
        saved_groups = _validated_groups(state_dict, self.param_groups)
        params_by_index: dict[Any, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            params_by_index.update(zip(saved["params"], group["params"], strict=True))

        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for index, value in state_dict["state"].items():
            if index in params_by_index:
                param = params_by_index[index]
                state[param] = _copy_value(value, param)
            else:
                # Like PyTorch, keep state that names no parameter unchanged.
                state[index] = _copy_value(value)

        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            loaded = {k: _copy_value(v) for k, v in saved.items() if k != "params"}
            loaded["params"] = group["params"]
            new_groups.append(loaded)

        self.state = state
        self.param_groups = new_groups


def _param_list(params: Any) -> list[Any]:
    """Return a group's ``'params'`` entry as a list."""
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            "optimizer parameters need to be in an ordered collection, but got a "
            "set, whose order changes between runs. Pass a list instead."
        )
    return list(params)


def _check_params(params: list[Any]) -> None:
    """Raise TypeError or ValueError unless every param is a leaf Tensor."""
    for index, param in enumerate(params):
        if not isinstance(param, Tensor):
            raise TypeError(
                f"optimizer can only optimize Tensors, but params[{index}] is "
                f"{type(param).__name__}"
            )
        if not param.is_leaf:
            raise ValueError(
                f"can't optimize a non-leaf Tensor: params[{index}] was computed "
                f"by {param.grad_fn!r}. Optimize the leaf tensor it came from, or "
                "make a new leaf with .detach().requires_grad_()."
            )


def _validated_groups(
    state_dict: Any, groups: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Validate ``state_dict`` against ``groups`` and return its saved groups."""
    if not isinstance(state_dict, dict):
        raise TypeError(
            f"state_dict must be a dict, but got {type(state_dict).__name__}; "
            "pass the value returned by Optimizer.state_dict()"
        )
    for key in ("state", "param_groups"):
        if key not in state_dict:
            raise ValueError(
                f"state_dict has no {key!r} entry; got the keys "
                f"{sorted(map(str, state_dict))}. Pass the value returned by "
                "Optimizer.state_dict()."
            )

    if not isinstance(state_dict["state"], dict):
        raise TypeError(
            "state_dict['state'] must be a dict from parameter index to state, "
            f"but got {type(state_dict['state']).__name__}"
        )
    saved_groups = state_dict["param_groups"]
    if len(saved_groups) != len(groups):
        raise ValueError(
            "loaded state dict has a different number of parameter groups: it "
            f"has {len(saved_groups)}, but the optimizer has {len(groups)}"
        )
    for index, (saved, group) in enumerate(zip(saved_groups, groups, strict=True)):
        if not isinstance(saved, dict) or "params" not in saved:
            raise ValueError(
                f"parameter group {index} of the loaded state dict is not a dict "
                f"with a 'params' entry (got a {type(saved).__name__})"
            )
        saved_count = len(saved["params"])
        if saved_count != len(group["params"]):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match "
                f"the size of optimizer's group: group {index} has {saved_count} "
                f"parameters in the state dict but {len(group['params'])} in the "
                "optimizer"
            )
    return saved_groups


def _copy_value(value: Any, param: Tensor | None = None, key: Any = None) -> Any:
    """Return a deep copy of a state value whose Tensors do not require grad.

    With a floating-point ``param``, each Tensor is cast to its dtype, except
    the one stored under ``'step'``.
    """
    if isinstance(value, Tensor):
        dtype = None
        if param is not None and key != "step" and is_floating(param.dtype):
            dtype = param.dtype
        return Tensor(value.detach(), dtype=dtype)
    if isinstance(value, dict):
        return {k: _copy_value(v, param, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v, param) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)
