"""``Module``: the base class of layers and models.

A Module keeps three ordered registries, filled on attribute assignment:

- ``_parameters``: the Parameters assigned to it (``self.weight = Parameter(...)``);
- ``_buffers``: Tensors registered with ``register_buffer``, such as running
  statistics, which are saved in the state dict but not trained;
- ``_modules``: the sub-Modules assigned to it.

Everything else (walking the tree, dotted names, ``state_dict``, train/eval,
dtype conversion) is built on these three dicts, with the same names and
results as ``torch.nn.Module``. Forward and backward hooks are kept and run by
``nn/hooks.py``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tinygrad_edu.dtypes import DTypeLike, is_floating, to_dtype
from tinygrad_edu.grad_mode import no_grad
from tinygrad_edu.hooks import RemovableHandle
from tinygrad_edu.nn.hooks import HookEntry, ModuleHooks
from tinygrad_edu.nn.parameter import Parameter
from tinygrad_edu.nn.state_dict import (
    IncompatibleKeys,
    StateDictError,
    collect_state,
    load_state,
)
from tinygrad_edu.tensor import Tensor


class Module:
    """Base class of all layers and models; subclasses implement ``forward``.

    Assign Parameters and sub-Modules as attributes in ``__init__`` (after
    calling ``super().__init__()``) and they are registered automatically::

        class TwoLayer(Module):
            def __init__(self):
                super().__init__()
                self.hidden = Linear(4, 8)
                self.out = Linear(8, 1)

            def forward(self, x):
                return self.out(self.hidden(x).relu())

    Calling the module runs ``forward``.
    """

    training: bool
    # Created by the first register_*_hook call, so that __call__ without
    # hooks costs one falsy check.
    _hooks: ModuleHooks | None = None

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output. Subclasses must override it."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define forward(); subclasses of "
            "Module must implement it"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._hooks:
            return self.forward(*args, **kwargs)
        return self._hooks.call(self, args, kwargs)

    # Hooks ----------------------------------------------------------------------

    def register_forward_pre_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before each ``forward``.

        The hook may return None to keep the positional arguments, or new ones
        (a single value is wrapped in a tuple). With ``with_kwargs=True`` it is
        called as ``hook(module, args, kwargs)`` and may return None or a tuple
        ``(args, kwargs)``.

        Args:
            hook: the function to call.
            prepend: run it before the hooks registered earlier.
            with_kwargs: pass the keyword arguments too.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        hooks = self._hook_registry()
        entry = HookEntry(hook, with_kwargs=with_kwargs)
        return hooks.add(hooks.forward_pre, entry, prepend)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each ``forward``.

        ``args`` are the positional arguments that ``forward`` received. The
        hook may return None to keep the output, or a replacement. With
        ``with_kwargs=True`` it is called as ``hook(module, args, kwargs,
        output)``.

        Args:
            hook: the function to call.
            prepend: run it before the hooks registered earlier.
            with_kwargs: pass the keyword arguments too.
            always_call: call it even when ``forward`` raises; its own error is
                then turned into a warning.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        hooks = self._hook_registry()
        entry = HookEntry(hook, with_kwargs=with_kwargs, always_call=always_call)
        return hooks.add(hooks.forward, entry, prepend)

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` in each backward pass.

        ``grad_output`` has one entry per output: the gradient of the loss with
        respect to it, or None where none arrived. ``grad_input`` has one entry
        per positional argument of ``forward``: the gradient with respect to a
        Tensor argument (zeros for one that does not require grad), and None
        for other arguments. The hook may return None, or a replacement tuple
        of the same length, whose entries flow on to the inputs: a Tensor of
        the input's shape, or None. Unlike PyTorch, which then passes no
        gradient, None passes zeros. If no input requires
        grad, the hook runs once the output gradients are known, gets None
        for every input and must return None.

        The hook runs for the calls made after it was registered. As in
        PyTorch, a hook removed after a call still runs in that call's
        backward pass. Inside ``forward`` the tensor arguments are copies, so
        changing one in place does not change the caller's tensor.

        Args:
            hook: the function to call.
            prepend: run it before the hooks registered earlier.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        hooks = self._hook_registry()
        return hooks.add(hooks.backward, HookEntry(hook), prepend)

    def _hook_registry(self) -> ModuleHooks:
        hooks = self._hooks
        if hooks is None:
            hooks = ModuleHooks()
            object.__setattr__(self, "_hooks", hooks)
        return hooks

    # Registration ---------------------------------------------------------------

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; passing None reserves the name.

        Raises:
            AttributeError: if ``Module.__init__`` has not run yet.
            TypeError: if ``name`` is not a string or ``param`` not a Parameter.
            KeyError: if ``name`` is empty, contains ".", or is another attribute.
        """
        self._check_new_name(name, "_parameters", "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register a {type(param).__name__} as parameter {name!r}; "
                "wrap it in nn.Parameter(...) or pass None"
            )
        if param is not None and not param.is_leaf:
            raise ValueError(
                f"cannot register parameter {name!r}: it was computed by "
                f"{param.grad_fn!r}, but a parameter must be a leaf. Use "
                "Parameter(tensor.detach())."
            )
        self._parameters[name] = param

    def register_buffer(
        self, name: str, tensor: Tensor | None, persistent: bool = True
    ) -> None:
        """Register an untrained state Tensor, such as a running mean.

        Args:
            name: the attribute name.
            tensor: the buffer, or None to reserve the name.
            persistent: whether ``state_dict`` includes the buffer.

        Raises:
            AttributeError: if ``Module.__init__`` has not run yet.
            TypeError: if ``name`` is not a string or ``tensor`` not a Tensor.
            KeyError: if ``name`` is empty, contains ".", or is another attribute.
        """
        self._check_new_name(name, "_buffers", "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot register a {type(tensor).__name__} as buffer {name!r}; "
                "a buffer must be a Tensor or None"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name``.

        Raises:
            AttributeError: if ``Module.__init__`` has not run yet.
            TypeError: if ``name`` is not a string or ``module`` not a Module.
            KeyError: if ``name`` is empty, contains ".", or is another attribute.
        """
        self._check_new_name(name, "_modules", "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"cannot add a {type(module).__name__} as module {name!r}; "
                "a child must be a Module or None"
            )
        self._modules[name] = module

    register_module = add_module

    def _check_initialized(self, name: str, kind: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot register {kind} {name!r} before Module.__init__() has "
                f"run; call super().__init__() first in {type(self).__name__}"
            )

    def _check_new_name(self, name: Any, registry: str, kind: str) -> None:
        self._check_initialized(name, kind)
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(
                f"{kind} name must be non-empty and contain no '.', got {name!r}"
            )
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise KeyError(
                f"cannot register {kind} {name!r}, because the module already has "
                "an attribute of that name; choose another name"
            )

    # Attribute access -----------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        # The order of the checks follows torch.nn.Module.__setattr__.
        if isinstance(value, Parameter):
            self._check_initialized(name, "parameter")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif name in self.__dict__.get("_parameters", ()):
            self._replace_registered("_parameters", name, value, (), "Parameter")
        elif isinstance(value, Module):
            self._check_initialized(name, "module")
            self._forget(name, keep="_modules")
            self._modules[name] = value
        elif name in self.__dict__.get("_modules", ()):
            self._replace_registered("_modules", name, value, (), "Module")
        elif name in self.__dict__.get("_buffers", ()):
            self._replace_registered("_buffers", name, value, (Tensor,), "Tensor")
        else:
            object.__setattr__(self, name, value)

    def _replace_registered(
        self,
        registry: str,
        name: str,
        value: Any,
        allowed: tuple[type, ...],
        expected: str,
    ) -> None:
        """Store ``value`` under a registered name, if it is None or ``allowed``."""
        if value is not None and not isinstance(value, allowed):
            raise TypeError(
                f"cannot assign a {type(value).__name__} to {name!r}, which is "
                f"registered in {registry}; assign a {expected} or None"
            )
        self.__dict__[registry][name] = value

    def _forget(self, name: str, keep: str) -> None:
        """Remove ``name`` from the instance dict and every registry but ``keep``.

        Keeping the target registry keeps a reassigned name in its place, so
        the order of ``named_parameters()`` does not change.
        """
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails, so the registries come next.
        for registry in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(registry)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{name}'"
        )

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(registry)
            if values is not None and name in values:
                del values[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    # Walking the tree -----------------------------------------------------------

    def named_modules(
        self,
        memo: set[int] | None = None,
        prefix: str = "",
        remove_duplicate: bool = True,
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted name, module)`` for this module and all below it.

        This module comes first with name ``prefix``. A module reachable by two
        paths is yielded once, under the first, unless ``remove_duplicate``
        is False.
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))

        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(
                    memo, _join(prefix, name), remove_duplicate
                )

    def modules(self) -> Iterator[Module]:
        """Yield this module and every module below it, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct children, each once."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield the direct children, each once."""
        for _, module in self.named_children():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)``, such as ``("0.weight", w)``.

        Args:
            prefix: prepended to every name, with a dot.
            recurse: include the parameters of all submodules, not only this
                module's own.
            remove_duplicate: yield a parameter shared by several modules
                once, under the first name found.
        """
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters, each once; see ``named_parameters``."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(dotted name, buffer)``, persistent or not."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers, each once; see ``named_buffers``."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        if recurse:
            modules = self.named_modules(
                prefix=prefix, remove_duplicate=remove_duplicate
            )
        else:
            modules = iter([(prefix, self)])

        seen: set[int] = set()
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield _join(module_prefix, name), value

    # Modes and bulk changes -----------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and all below it; return self.

        Layers such as dropout behave differently in training and evaluation.

        Raises:
            ValueError: if ``mode`` is not a bool.
        """
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) expects a bool, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``) recursively; return self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter; return self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters to None, or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
                continue
            if param.grad.grad_fn is not None:
                param.grad = param.grad.detach()
            with no_grad():
                param.grad.zero_()

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first), then on self.

        Typical use is custom initialisation: ``model.apply(init_weights)``.
        Returns self.
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, dtype: DTypeLike) -> Module:
        """Convert floating parameters, their gradients and floating buffers.

        The conversion happens in place: each Parameter and buffer stays the
        same object with new data, so an optimizer built before the call keeps
        updating the right tensors. Integer buffers keep their dtype.

        Raises:
            TypeError: if ``dtype`` is not a floating-point dtype.
        """
        dtype = to_dtype(dtype)
        if not is_floating(dtype):
            raise TypeError(
                f"Module.to only converts to floating-point dtypes, got {dtype}"
            )

        with no_grad():
            for module in self.modules():
                tensors = [*module._parameters.values(), *module._buffers.values()]
                for tensor in tensors:
                    if tensor is not None and is_floating(tensor.dtype):
                        _convert_in_place(tensor, dtype)
        return self

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32; see ``to``."""
        return self.to("float32")

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64; see ``to``."""
        return self.to("float64")

    # State dict -----------------------------------------------------------------

    def state_dict(
        self,
        *,
        destination: dict[str, Any] | None = None,
        prefix: str = "",
        keep_vars: bool = False,
    ) -> dict[str, Any]:
        """Return the parameters and persistent buffers by dotted name.

        The result is an OrderedDict such as ``{"0.weight": ..., "0.bias": ...}``,
        with this module's own entries first, then each child's in order. A
        tensor shared by several modules appears under each of their names.
        The values are detached tensors sharing memory with the module's,
        or the Parameters and buffers themselves when ``keep_vars`` is True.
        """
        return collect_state(self, destination, prefix, keep_vars)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and buffers.

        Every entry is checked before anything is copied, so a failed load
        leaves the module unchanged. Values are copied in place under
        ``no_grad`` and cast to each target's dtype, so Parameter objects keep
        their identity.

        Args:
            state_dict: a mapping from dotted names to Tensors or NumPy arrays,
                as ``state_dict()`` returns.
            strict: raise if a key is missing or unexpected. Shape mismatches
                raise either way.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            TypeError: if ``state_dict`` is not a mapping.
            StateDictError: listing every problem found.
        """
        return load_state(self, state_dict, strict)

    # Printing -------------------------------------------------------------------

    def extra_repr(self) -> str:
        """Return the module's settings for ``repr``; layers override this."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): {_indent(repr(module), 2)}"
            for name, module in self._modules.items()
        ]
        if not child_lines and len(extra_lines) <= 1:
            return f"{type(self).__name__}({extra})"

        body = "\n  ".join(extra_lines + child_lines)
        return f"{type(self).__name__}(\n  {body}\n)"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` after the first by ``spaces`` spaces."""
    return text.replace("\n", "\n" + " " * spaces)


def _convert_in_place(tensor: Tensor, dtype: Any) -> None:
    """Give ``tensor`` (and its gradient) new data of ``dtype``, keeping the object."""
    if tensor.dtype != dtype:
        tensor.data = tensor.data.to(dtype)
    if tensor.grad is not None and tensor.grad.dtype != dtype:
        tensor.grad = tensor.grad.detach().to(dtype)


__all__ = ["IncompatibleKeys", "Module", "StateDictError"]
