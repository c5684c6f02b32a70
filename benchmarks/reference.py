"""The hand-written NumPy reference: explicit forward and backward, float32.

This is the floor that a framework on NumPy can reach: the same NumPy calls
that a framework must make, and no graph. Every other system is timed as a
ratio to it, measured in the same run.

The MLP step, for layers ``z_i = a_{i-1} @ W_i.T + b_i`` and ``a_i = f(z_i)``
(no ``f`` on the last layer, whose output is the logits):

- loss ``L = mean_n(logsumexp(z_n) - z_n[y_n])``, the softmax cross-entropy;
- ``dL/dz_last = (softmax(z) - onehot(y)) / N``;
- for each layer from the last: ``dW_i = g.T @ a_{i-1}``, ``db_i = sum_n g``,
  then ``g = (g @ W_i) * f'(z_{i-1})``, where ``sigmoid' = a (1 - a)`` and
  ``relu' = [a > 0]``;
- SGD with momentum ``mu`` as in PyTorch: ``buf = mu buf + dW`` (``buf = dW``
  on the first step), ``W -= lr buf``; plain SGD when ``mu = 0``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.workloads import CHAIN_ADD, CHAIN_MUL, CHAIN_START, MLPSetup

NAME = "numpy (reference)"


class MLPReference:
    """A training loop for ``setup`` with hand-written gradients."""

    def __init__(self, setup: MLPSetup) -> None:
        self.params = [w.copy() for w in setup.weights]
        self.buffers: list[np.ndarray | None] = [None] * len(self.params)
        self.activation = setup.activation
        self.lr = setup.lr
        self.momentum = setup.momentum
        self.batches = setup.batches

    def step(self, index: int) -> float:
        """Train on batch ``index`` once and return the loss before the update."""
        x, y = self.batches[index]
        activations = self._forward(x)
        loss, grad_logits = _cross_entropy(activations[-1], y)
        grads = self._backward(activations, grad_logits)
        self._update(grads)
        return loss

    def weights(self) -> list[np.ndarray]:
        """Return copies of ``[W1, b1, W2, b2, ...]``."""
        return [p.copy() for p in self.params]

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Return the input, each hidden activation, and the logits."""
        activations = [x]
        layers = len(self.params) // 2
        for i in range(layers):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            z = activations[-1] @ weight.T
            z += bias
            if i < layers - 1:
                z = _activate(z, self.activation)
            activations.append(z)
        return activations

    def _backward(
        self, activations: list[np.ndarray], grad_logits: np.ndarray
    ) -> list[np.ndarray]:
        """Return ``[dW1, db1, dW2, db2, ...]`` from the saved activations."""
        grads: list[np.ndarray] = [np.empty(0)] * len(self.params)
        g = grad_logits
        for i in reversed(range(len(self.params) // 2)):
            grads[2 * i] = g.T @ activations[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ self.params[2 * i]
                g *= _activation_slope(activations[i], self.activation)
        return grads

    def _update(self, grads: list[np.ndarray]) -> None:
        for i, grad in enumerate(grads):
            if self.momentum:
                buffer = self.buffers[i]
                if buffer is None:
                    self.buffers[i] = buffer = grad.copy()
                else:
                    buffer *= self.momentum
                    buffer += grad
                grad = buffer
            self.params[i] -= self.lr * grad


def _activate(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(z, 0, out=z)
    # NOTE: exp(-z) overflows to inf for z below about -88 in float32, and
    # 1 / (1 + inf) = 0 is then the right limit, so the warning is silenced.
    with np.errstate(over="ignore"):
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        return np.reciprocal(z, out=z)


def _activation_slope(a: np.ndarray, activation: str) -> np.ndarray:
    """Return f'(z) written through the activation's output ``a = f(z)``."""
    if activation == "relu":
        return (a > 0).astype(a.dtype)
    return a * (1 - a)


def _cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Return the mean softmax cross-entropy and its gradient by the logits."""
    rows = np.arange(len(y))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))

    grad = exp / sums
    grad[rows, y] -= 1
    grad /= len(y)
    return loss, grad


def make_chain(length: int) -> Callable[[], tuple[float, float]]:
    """Return a function that runs the elementwise chain forward and backward.

    The forward pass applies ``x + CHAIN_ADD``, ``x * CHAIN_MUL`` and ``tanh``
    in turn, ``length`` ops in all, to a 1-element float32 array. The backward
    pass multiplies the gradient by each op's derivative (1, CHAIN_MUL,
    ``1 - tanh^2``) in reverse. The function returns ``(output, d output / d x)``.
    """

    def run() -> tuple[float, float]:
        value = np.array([CHAIN_START], dtype=np.float32)
        tanh_outputs: list[np.ndarray] = []
        for i in range(length):
            kind = i % 3
            if kind == 0:
                value = value + CHAIN_ADD
            elif kind == 1:
                value = value * CHAIN_MUL
            else:
                value = np.tanh(value)
                tanh_outputs.append(value)

        grad = np.ones(1, dtype=np.float32)
        for i in reversed(range(length)):
            kind = i % 3
            if kind == 1:
                grad = grad * CHAIN_MUL
            elif kind == 2:
                out = tanh_outputs.pop()
                grad = grad * (1 - out * out)
        return float(value[0]), float(grad[0])

    return run
