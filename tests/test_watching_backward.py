"""Tensor hooks, retain_grad, the backward trace and anomaly mode."""

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.autograd import AnomalyError, detect_anomaly, trace
from tinygrad_edu.errors import GraphError


def _leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_leaf_hook_sees_summed_gradient_once():
    x = _leaf([1.0, 1.0])
    seen = []
    x.register_hook(lambda grad: seen.append(grad.tolist()))
    (x * 3 + x * 4).sum().backward()
    assert seen == [[7.0, 7.0]]


def test_hook_can_replace_gradient():
    x = _leaf([1.0])
    x.register_hook(lambda grad: grad * 10)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [20.0]


def test_non_leaf_hook_changes_upstream_gradient():
    x = _leaf([1.0])
    y = x * 2
    y.register_hook(lambda grad: grad * 0)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [0.0]


def test_removed_hook_is_not_called():
    x = _leaf([1.0])
    handle = x.register_hook(lambda grad: grad * 10)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(GraphError, match="does not require grad"):
        Tensor([1.0]).register_hook(lambda grad: grad)


def test_hook_returning_wrong_shape_raises():
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda grad: grad.sum())
    with pytest.raises(GraphError, match="a replacement must keep both"):
        (x * 2).sum().backward()


def test_retain_grad_fills_non_leaf_grad():
    x = _leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]


def test_retained_grad_accumulates():
    x = _leaf([1.0])
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    (y * y).sum().backward()
    assert y.grad.tolist() == [8.0]


def test_non_leaf_grad_read_warns():
    y = _leaf([1.0]) * 2
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None


def test_leaf_grad_read_does_not_warn():
    x = _leaf([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None


def test_trace_records_each_step_in_order():
    x = _leaf([[1.0, 2.0]])
    with trace() as recorded:
        (x.exp() * 3).sum().backward()
    operations = [step.operation for step in recorded.steps]
    assert operations == ["SumBackward", "MulBackward", "ExpBackward"]


def test_trace_records_gradients():
    x = _leaf([2.0])
    with trace() as recorded:
        (x * 3).sum().backward()
    multiply = recorded.steps[1]
    assert multiply.grad_output.tolist() == [1.0]
    assert multiply.passed[0].grad.tolist() == [3.0]
    assert "dz/dx = y" in multiply.rule


def test_trace_explains_broadcast_reduction():
    x = _leaf(np.ones((4, 3)))
    b = _leaf(np.ones((1, 3)))
    with trace() as recorded:
        (x + b).sum().backward()
    add = recorded.steps[1]
    note = add.passed[1].note
    assert "broadcast from (1, 3) to (4, 3)" in note


def test_trace_prints_readable_log():
    x = _leaf([2.0])
    with trace() as recorded:
        (x * x).sum().backward()
    text = str(recorded)
    assert "step 1: SumBackward" in text
    assert "to input 0" in text


def test_nothing_traced_outside_block():
    x = _leaf([2.0])
    with trace() as recorded:
        pass
    (x * x).sum().backward()
    assert recorded.steps == []


def test_anomaly_mode_catches_nan_in_forward():
    x = _leaf([-1.0])
    with detect_anomaly(), pytest.raises(AnomalyError, match="Log"):
        x.log()


def test_anomaly_mode_names_user_line():
    x = _leaf([-1.0])
    with detect_anomaly(), pytest.raises(AnomalyError, match="test_watching_backward"):
        x.sqrt()


def test_anomaly_mode_catches_nan_from_unselected_branch():
    x = _leaf([0.0, 4.0])
    with detect_anomaly():
        y = tg.where(x > 0, x.sqrt(), 0.0).sum()
        with pytest.raises(AnomalyError, match="backward of SqrtBackward"):
            y.backward()


def test_without_anomaly_mode_nan_passes_silently():
    x = _leaf([0.0, 4.0])
    tg.where(x > 0, x.sqrt(), 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_safe_where_pattern_gives_finite_gradient():
    x = _leaf([0.0, 4.0])
    safe = tg.where(x > 0, x, 1.0)
    with detect_anomaly():
        tg.where(x > 0, safe.sqrt(), 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.25]


def test_hook_changing_dtype_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda grad: grad.double())
    with pytest.raises(GraphError, match="dtype"):
        (x * 2).sum().backward()


def test_hook_returning_array_names_type():
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda grad: np.ones(2))
    with pytest.raises(GraphError, match="returned a ndarray"):
        (x * 2).sum().backward()


def test_register_hook_rejects_non_callable():
    with pytest.raises(TypeError, match="function of the gradient"):
        _leaf([1.0]).register_hook(5)


def test_trace_rule_has_no_backquotes():
    x = _leaf([2.0])
    with trace() as recorded:
        x.sum().backward()
    assert "``" not in recorded.steps[0].rule


def test_nested_traces_both_record():
    x = _leaf([2.0])
    with trace() as outer, trace() as inner:
        (x * 3).sum().backward()
    assert len(outer.steps) == 2
    assert len(inner.steps) == 2
