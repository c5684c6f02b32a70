"""Every differentiable operation: forward against NumPy, first and second
derivatives against finite differences, and dtype and shape of gradients."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from op_table import OP_TABLE, STRICT, OpCase

import tinygrad_edu.nn
import tinygrad_edu.ops
from tinygrad_edu import Function, Tensor
from tinygrad_edu.testing import gradcheck, gradgradcheck


def _draw(case: OpCase, data: st.DataObject, dtype=np.float64):
    arrays, kwargs = data.draw(case.inputs, label="inputs")
    tensors = [Tensor(a.astype(dtype), requires_grad=True) for a in arrays]

    def function(*inputs):
        return case.function(*inputs, **kwargs)

    return arrays, kwargs, tensors, function


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
@given(data=st.data())
def test_op_forward_matches_numpy(case: OpCase, data: st.DataObject) -> None:
    arrays, kwargs, tensors, function = _draw(case, data)
    expected = case.reference(*arrays, **kwargs)

    out = function(*tensors)

    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
@given(data=st.data())
def test_op_gradient(case: OpCase, data: st.DataObject) -> None:
    _, _, tensors, function = _draw(case, data)
    assert gradcheck(function, tensors, **STRICT)


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
@given(data=st.data())
def test_op_second_gradient(case: OpCase, data: st.DataObject) -> None:
    _, _, tensors, function = _draw(case, data)
    assert gradgradcheck(function, tensors, **STRICT)


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
@given(data=st.data())
def test_op_float32_stays_float32(case: OpCase, data: st.DataObject) -> None:
    _, _, tensors, function = _draw(case, data, dtype=np.float32)

    out = function(*tensors)
    out.backward(Tensor(np.ones(out.shape, dtype=np.float32)))

    assert out.dtype == np.float32
    for tensor in tensors:
        assert tensor.grad.dtype == np.float32
        assert tensor.grad.shape == tensor.shape


def builtin_functions() -> dict[str, type[Function]]:
    """Return every Function subclass in tinygrad_edu.ops and .nn, by name."""
    found = {}
    modules = [
        f"{package.__name__}.{info.name}"
        for package in (tinygrad_edu.ops, tinygrad_edu.nn)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    for name in modules:
        module = importlib.import_module(name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Function)
                and value.__module__ == module.__name__
            ):
                found[name] = value
    return found


def test_every_operation_has_a_table_entry() -> None:
    covered = {name for case in OP_TABLE for name in case.covers}
    missing = set(builtin_functions()) - covered
    assert not missing, f"operations without an OP_TABLE entry: {sorted(missing)}"


def test_table_names_are_unique() -> None:
    names = [case.name for case in OP_TABLE]
    assert len(names) == len(set(names))
