"""Module hooks: forward pre-hooks, forward hooks and full backward hooks."""

import gc
import warnings
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.errors import GraphError
from tinygrad_edu.testing import gradcheck, gradgradcheck


class Scale(nn.Module):
    """forward(x, factor) = x * factor, with a keyword ``shift``."""

    def forward(self, x, factor=2.0, shift=0.0):
        return x * factor + shift


class TwoInputs(nn.Module):
    """forward(a, b) = (a * 2, b * 3)."""

    def forward(self, a, b):
        return a * 2, b * 3


class Product(nn.Module):
    def forward(self, a, b):
        return a * b


class Failing(nn.Module):
    def forward(self, x):
        raise ValueError("forward failed")


def leaf(values, dtype="float64"):
    return tg.Tensor(values, dtype=dtype, requires_grad=True)


# Forward pre-hooks ------------------------------------------------------------


def test_forward_pre_hook_sees_args():
    seen = []
    module = Scale()
    module.register_forward_pre_hook(lambda mod, args: seen.append((mod, args)))
    x = tg.Tensor([1.0])
    module(x, 3.0)

    assert seen[0][0] is module
    assert seen[0][1][0] is x
    assert seen[0][1][1] == 3.0


def test_forward_pre_hook_replaces_args():
    module = Scale()
    module.register_forward_pre_hook(lambda mod, args: (args[0], 10.0))
    assert module(tg.Tensor([1.0]), 3.0).tolist() == [10.0]


def test_forward_pre_hook_wraps_single_value():
    module = Scale()
    module.register_forward_pre_hook(lambda mod, args: tg.Tensor([5.0]))
    assert module(tg.Tensor([1.0])).tolist() == [10.0]


def test_forward_pre_hook_with_kwargs():
    module = Scale()

    def hook(mod, args, kwargs):
        return args, {**kwargs, "shift": 1.0}

    module.register_forward_pre_hook(hook, with_kwargs=True)
    assert module(tg.Tensor([1.0]), shift=100.0).tolist() == [3.0]


def test_forward_pre_hook_with_kwargs_bad_return():
    module = Scale()
    module.register_forward_pre_hook(lambda mod, a, k: a, with_kwargs=True)
    with pytest.raises(TypeError, match="tuple \\(args, kwargs\\)"):
        module(tg.Tensor([1.0]), 2.0, 3.0)


# Forward hooks ----------------------------------------------------------------


def test_forward_hook_sees_output():
    seen = []
    module = Scale()
    module.register_forward_hook(lambda mod, args, out: seen.append(out.tolist()))
    module(tg.Tensor([1.0]))
    assert seen == [[2.0]]


def test_forward_hook_replaces_output():
    module = Scale()
    module.register_forward_hook(lambda mod, args, out: out * 10)
    assert module(tg.Tensor([1.0])).tolist() == [20.0]


def test_forward_hook_gets_pre_hook_args():
    seen = []
    module = Scale()
    module.register_forward_pre_hook(lambda mod, args: (args[0], 5.0))
    module.register_forward_hook(lambda mod, args, out: seen.append(args[1]))
    module(tg.Tensor([1.0]), 3.0)
    assert seen == [5.0]


def test_forward_hook_with_kwargs():
    seen = []
    module = Scale()

    def hook(mod, args, kwargs, out):
        seen.append(kwargs)

    module.register_forward_hook(hook, with_kwargs=True)
    module(tg.Tensor([1.0]), shift=1.0)
    assert seen == [{"shift": 1.0}]


def test_forward_hooks_run_in_order():
    order = []
    module = Scale()
    module.register_forward_hook(lambda *a: order.append("first"))
    module.register_forward_hook(lambda *a: order.append("second"))
    module.register_forward_hook(lambda *a: order.append("prepended"), prepend=True)
    module(tg.Tensor([1.0]))
    assert order == ["prepended", "first", "second"]


def test_forward_hooks_chain_outputs():
    module = Scale()
    module.register_forward_hook(lambda mod, args, out: out + 1)
    module.register_forward_hook(lambda mod, args, out: out * 10)
    assert module(tg.Tensor([1.0])).tolist() == [30.0]


def test_forward_hook_always_call_on_error():
    seen = []
    module = Failing()
    module.register_forward_hook(lambda *a: seen.append("plain"))
    module.register_forward_hook(lambda *a: seen.append("always"), always_call=True)
    with pytest.raises(ValueError, match="forward failed"):
        module(tg.Tensor([1.0]))
    assert seen == ["always"]


def test_forward_hook_always_call_error_warns():
    module = Failing()

    def broken(*args):
        raise KeyError("hook failed")

    module.register_forward_hook(broken, always_call=True)
    with pytest.warns(RuntimeWarning, match="hook failed"):
        with pytest.raises(ValueError, match="forward failed"):
            module(tg.Tensor([1.0]))


def test_forward_hook_on_child_module():
    seen = []
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid())
    model[1].register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    model(tg.randn(4, 2))
    assert seen == [(4, 3)]


def test_hook_rejects_non_callable():
    with pytest.raises(TypeError, match="must be callable"):
        Scale().register_forward_hook(5)


# Handles ----------------------------------------------------------------------


def test_handle_remove_stops_hook():
    seen = []
    module = Scale()
    handle = module.register_forward_hook(lambda *a: seen.append(1))
    module(tg.Tensor([1.0]))
    handle.remove()
    handle.remove()
    module(tg.Tensor([1.0]))
    assert seen == [1]


def test_handle_as_context_manager():
    seen = []
    module = Scale()
    with module.register_forward_pre_hook(lambda *a: seen.append(1)):
        module(tg.Tensor([1.0]))
    module(tg.Tensor([1.0]))
    assert seen == [1]


def test_handle_removes_own_entry():
    seen = []

    def hook(mod, args, out):
        seen.append(len(seen))

    module = Scale()
    first = module.register_forward_hook(hook)
    module.register_forward_hook(lambda *a: seen.append("middle"))
    module.register_forward_hook(hook)
    first.remove()
    module(tg.Tensor([1.0]))
    assert seen == ["middle", 1]


def test_hook_removing_itself_during_call():
    seen = []
    module = Scale()

    def once(mod, args, out):
        seen.append("once")
        handle.remove()

    handle = module.register_forward_hook(once)
    module.register_forward_hook(lambda *a: seen.append("always"))
    module(tg.Tensor([1.0]))
    module(tg.Tensor([1.0]))
    assert seen == ["once", "always", "always"]


def test_module_without_hooks_has_no_registry():
    module = Scale()
    assert "_hooks" not in module.__dict__
    handle = module.register_forward_hook(lambda *a: None)
    assert module._hooks
    handle.remove()
    assert not module._hooks


# Full backward hooks ----------------------------------------------------------


def test_backward_hook_linear_gradients():
    layer = nn.Linear(3, 2).double()
    seen = []
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = leaf(np.random.default_rng(0).standard_normal((4, 3)))
    weights = tg.Tensor(np.arange(8.0).reshape(4, 2))
    (layer(x) * weights).sum().backward()

    (grad_input,), (grad_output,) = seen[0]
    assert len(seen) == 1
    np.testing.assert_allclose(grad_output.numpy(), weights.numpy())
    expected = weights.numpy() @ layer.weight.detach().numpy()
    np.testing.assert_allclose(grad_input.numpy(), expected)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_backward_hook_keeps_parameter_grads():
    tg.manual_seed(0)
    plain = nn.Linear(3, 2).double()
    hooked = nn.Linear(3, 2).double()
    hooked.load_state_dict(plain.state_dict())
    hooked.register_full_backward_hook(lambda *a: None)
    x = np.random.default_rng(1).standard_normal((4, 3))
    plain(leaf(x)).tanh().sum().backward()
    hooked(leaf(x)).tanh().sum().backward()

    np.testing.assert_array_equal(hooked.weight.grad.numpy(), plain.weight.grad.numpy())
    np.testing.assert_array_equal(hooked.bias.grad.numpy(), plain.bias.grad.numpy())


def test_backward_hook_replaces_grad_input():
    module = Scale()
    module.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10, None))
    x = leaf([1.0, 2.0])
    module(x, 3.0).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]


def test_backward_hook_none_replacement_gives_zeros():
    module = Product()
    module.register_full_backward_hook(lambda mod, gi, go: (None, gi[1]))
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    module(a, b).sum().backward()

    assert a.grad.tolist() == [0.0, 0.0]
    assert b.grad.tolist() == [1.0, 2.0]


def test_backward_hook_unused_output_gets_none():
    seen = []
    module = TwoInputs()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a, b = leaf([1.0, 1.0]), leaf([1.0, 1.0])
    first, _ = module(a, b)
    first.sum().backward()

    grad_input, grad_output = seen[0]
    assert grad_output[0].tolist() == [1.0, 1.0]
    assert grad_output[1] is None
    assert grad_input[0].tolist() == [2.0, 2.0]
    assert grad_input[1].tolist() == [0.0, 0.0]


def test_backward_hook_non_tensor_arg_gets_none():
    seen = []
    module = Scale()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    module(leaf([1.0]), 3.0).sum().backward()

    assert seen[0][0].tolist() == [3.0]
    assert seen[0][1] is None


def test_backward_hook_constant_tensor_gets_zeros():
    seen = []
    module = Product()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    constant = tg.Tensor([3, 4])
    module(leaf([1.0, 1.0]), constant).sum().backward()

    assert seen[0][1].tolist() == [0, 0]
    assert seen[0][1].dtype == constant.dtype


def test_backward_hook_input_used_twice():
    seen = []
    module = Product()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    x = leaf([2.0, 3.0])
    module(x, x).sum().backward()

    assert seen[0][0].tolist() == [2.0, 3.0]
    assert seen[0][1].tolist() == [2.0, 3.0]
    assert x.grad.tolist() == [4.0, 6.0]


def test_backward_hook_identity_module():
    seen = []
    module = nn.Identity()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    x = leaf([2.0])
    y = module(x)
    (y * y).sum().backward()

    assert y is not x
    assert seen[0][0][0].tolist() == [4.0]
    assert seen[0][1][0].tolist() == [4.0]


def test_backward_hook_mixed_dtypes():
    seen = []
    module = Product()
    module.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    a, b = leaf([1.0, 2.0], "float32"), leaf([3.0, 4.0], "float64")
    module(a, b).sum().backward()

    grad_input, grad_output = seen[0]
    assert grad_input[0].dtype == np.float32
    assert grad_input[1].dtype == np.float64
    assert grad_output[0].dtype == np.float64
    assert a.grad.dtype == np.float32
    assert a.grad.tolist() == [3.0, 4.0]


def test_backward_hook_each_retained_pass():
    calls = []
    module = Product()
    module.register_full_backward_hook(lambda *a: calls.append(1))
    loss = module(leaf([1.0]), leaf([2.0])).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert len(calls) == 2


def test_backward_hook_removed_after_forward_still_runs():
    calls = []
    module = Scale()
    handle = module.register_full_backward_hook(lambda *a: calls.append(1))
    out = module(leaf([1.0]))
    handle.remove()
    out.sum().backward()
    module(leaf([1.0])).sum().backward()
    assert calls == [1]


def test_backward_hook_without_input_grad():
    seen = []
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go)))
    with pytest.warns(UserWarning, match="none of its inputs requires grad"):
        layer(tg.ones(1, 2)).sum().backward()

    grad_input, grad_output = seen[0]
    assert grad_input == (None,)
    assert grad_output[0].tolist() == [[1.0]]
    assert layer.weight.grad is not None


def test_backward_hook_without_input_grad_rejects_grads():
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda mod, gi, go: (tg.ones(1, 2),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(GraphError, match="return None"):
            layer(tg.ones(1, 2)).sum().backward()


def test_backward_hook_wrong_length():
    module = Scale()
    module.register_full_backward_hook(lambda mod, gi, go: (gi[0],))
    with pytest.raises(GraphError, match="2 gradients"):
        module(leaf([1.0]), 3.0).sum().backward()


def test_backward_hook_wrong_shape():
    module = Scale()
    module.register_full_backward_hook(lambda mod, gi, go: (tg.ones(3), None))
    with pytest.raises(GraphError, match="whose shape is \\(2,\\)"):
        module(leaf([1.0, 2.0]), 3.0).sum().backward()


def test_backward_hook_not_set_up_in_no_grad():
    module = Scale()
    module.register_full_backward_hook(lambda *a: None)
    x = leaf([1.0])
    with tg.no_grad():
        out = module(x)
    assert out.grad_fn is None


def test_backward_hook_warns_on_dict_output():
    class DictOutput(nn.Module):
        def forward(self, x):
            return {"y": x * 2}

    module = DictOutput()
    module.register_full_backward_hook(lambda *a: None)
    with pytest.warns(UserWarning, match="returned a dict"):
        module(leaf([1.0]))


def test_backward_hook_on_sequential():
    seen = []
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    model.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    x = leaf(np.ones((2, 2)))
    model(x).sum().backward()
    np.testing.assert_allclose(seen[0][0].numpy(), x.grad.numpy())


def test_backward_hook_routes_are_differentiable():
    module = Product()
    module.register_full_backward_hook(lambda *a: None)
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal(3)), leaf(rng.standard_normal(3))

    def fn(a, b):
        return (module(a, b) ** 2).sum()

    assert gradcheck(fn, [a, b])
    assert gradgradcheck(fn, [a, b])


def test_backward_hook_graph_has_no_cycle():
    module = Product()
    module.register_full_backward_hook(lambda *a: None)
    gc.disable()
    try:
        out = module(leaf([1.0]), leaf([2.0]))
        node = weakref.ref(out.grad_fn)
        del out
        assert node() is None
    finally:
        gc.enable()
