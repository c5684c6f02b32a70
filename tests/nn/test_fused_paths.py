"""The one-operation fast paths agree with the general compositions they replace."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.functional import _class_loss
from tinygrad_edu.testing import strategies as ts


def _values_and_grads(function, *arrays):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = function(*tensors)
    out.backward(Tensor(np.ones(out.shape)))
    return out.detach().numpy(), [t.grad.numpy() for t in tensors]


@st.composite
def _scores_and_targets(draw):
    batch, classes = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    scores = draw(ts.arrays((batch, classes), elements=st.floats(-50, 50)))
    target = draw(ts.arrays((batch,), np.int64, st.integers(-1, classes - 1)))
    return scores, target


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(data=_scores_and_targets())
def test_fused_cross_entropy_matches_general_path(reduction, data):
    scores, target = data
    if reduction == "mean" and not np.any(target != -1):
        target[0] = 0  # A mean over no targets is NaN in both paths.
    labels = Tensor(target)

    def fused(x):
        return F.cross_entropy(x, labels, ignore_index=-1, reduction=reduction)

    def general(x):
        log_probs = x.log_softmax(1)
        return _class_loss(log_probs, labels, None, -1, reduction, 0.0)

    fused_value, fused_grads = _values_and_grads(fused, scores)
    general_value, general_grads = _values_and_grads(general, scores)
    np.testing.assert_allclose(fused_value, general_value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused_grads[0], general_grads[0], atol=1e-12)


@given(
    ts.arrays((3, 4)),
    ts.arrays((2, 4)),
    ts.arrays((2,)),
)
def test_affine_matches_matmul_and_add(x, weight, bias):
    fused = _values_and_grads(F.linear, x, weight, bias)
    general = _values_and_grads(lambda a, w, b: a @ w.T + b, x, weight, bias)
    np.testing.assert_allclose(fused[0], general[0], rtol=1e-12)
    for fused_grad, general_grad in zip(fused[1], general[1], strict=True):
        np.testing.assert_allclose(fused_grad, general_grad, rtol=1e-12, atol=1e-12)
