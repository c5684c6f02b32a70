"""Mutation test: break each built-in backward and show the operation suite
fails for every one of them."""

import inspect

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from op_table import OP_TABLE, STRICT
from test_op_table import builtin_functions

from tinygrad_edu import Tensor
from tinygrad_edu.testing import GradcheckError, gradcheck, gradgradcheck


def _case_fails(case):
    """Return True if gradcheck or gradgradcheck fails on some drawn input."""

    # Without the shrink phase: only whether some input fails matters here,
    # and shrinking a failing convolution case costs tens of seconds.
    @settings(
        max_examples=25,
        database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(data=st.data())
    def check(data):
        arrays, kwargs = data.draw(case.inputs)
        tensors = [Tensor(a, requires_grad=True) for a in arrays]

        def function(*inputs):
            return case.function(*inputs, **kwargs)

        gradcheck(function, tensors, localize=False, **STRICT)
        gradgradcheck(function, tensors, **STRICT)

    try:
        check()
    except GradcheckError:
        return True
    return False


def _suite_fails(function_name):
    """Return True if the table's checks fail for some case covering the op."""
    cases = [case for case in OP_TABLE if function_name in case.covers]
    return any(_case_fails(case) for case in cases)


def _scaled(backward):
    def mutated(ctx, grad_output):
        grads = backward(ctx, grad_output)
        single = not isinstance(grads, tuple)
        grads = (grads,) if single else grads
        scaled = tuple(None if g is None else g * 1.001 for g in grads)
        return scaled[0] if single else scaled

    return staticmethod(mutated)


FUNCTIONS = builtin_functions()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_scaled_backward_is_caught(name, monkeypatch):
    function_class = FUNCTIONS[name]
    monkeypatch.setattr(function_class, "backward", _scaled(function_class.backward))
    assert _suite_fails(name)


REDUCING = sorted(
    name
    for name, function_class in FUNCTIONS.items()
    if ".sum(" in inspect.getsource(function_class.backward)
)


def _without_reductions(backward):
    def mutated(ctx, grad_output):
        original_sum = Tensor.sum
        Tensor.sum = lambda self, *args, **kwargs: self
        try:
            return backward(ctx, grad_output)
        finally:
            Tensor.sum = original_sum

    return staticmethod(mutated)


@pytest.mark.parametrize("name", REDUCING)
def test_dropped_reduction_is_caught(name, monkeypatch):
    function_class = FUNCTIONS[name]
    monkeypatch.setattr(
        function_class, "backward", _without_reductions(function_class.backward)
    )
    assert _suite_fails(name)


def test_some_backward_has_a_reduction():
    assert REDUCING
