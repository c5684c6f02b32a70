"""Second derivatives of a small network's loss: a Hessian-vector product and
the full Hessian, each checked against the other.

For a loss L(theta), the Hessian-vector product H v is the gradient of
(grad L . v): one backward pass with create_graph=True gives grad L as a
differentiable tensor, and a second pass differentiates its dot product with v.
The full Hessian is H v for each basis vector v = e_i.

Run: python examples/hessian_vector_product.py
"""

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.autograd import grad


def make_problem(seed: int = 0) -> tuple[Tensor, Tensor, Tensor, list[int]]:
    """Return flat parameters, inputs, labels and the layer shapes (2-3-2 MLP)."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 2), (3,), (2, 3), (2,)]
    sizes = [int(np.prod(shape)) for shape in shapes]
    theta = Tensor(rng.standard_normal(sum(sizes)) * 0.5, requires_grad=True)
    x = Tensor(rng.standard_normal((8, 2)))
    labels = Tensor(rng.integers(0, 2, 8))
    return theta, x, labels, sizes


def loss_of(theta: Tensor, x: Tensor, labels: Tensor) -> Tensor:
    """Return the cross-entropy of a 2-3-2 tanh network with flat parameters."""
    w1 = theta[0:6].reshape(3, 2)
    b1 = theta[6:9]
    w2 = theta[9:15].reshape(2, 3)
    b2 = theta[15:17]
    logits = (x @ w1.T + b1).tanh() @ w2.T + b2
    return -logits.log_softmax(dim=1).gather(1, labels.reshape(-1, 1)).mean()


def hessian_vector_product(
    theta: Tensor, x: Tensor, labels: Tensor, v: Tensor
) -> Tensor:
    """Return H v for the loss at ``theta``, with two backward passes."""
    (gradient,) = grad(loss_of(theta, x, labels), theta, create_graph=True)
    (product,) = grad((gradient * v).sum(), theta)
    return product


def full_hessian(theta: Tensor, x: Tensor, labels: Tensor) -> np.ndarray:
    """Return the Hessian, one row per backward pass through the gradient."""
    (gradient,) = grad(loss_of(theta, x, labels), theta, create_graph=True)
    rows = []
    for i in range(theta.numel()):
        (row,) = grad(gradient[i], theta, retain_graph=True)
        rows.append(row.numpy())
    return np.stack(rows)


def main() -> None:
    theta, x, labels, _ = make_problem()
    v = Tensor(np.random.default_rng(1).standard_normal(theta.numel()))

    product = hessian_vector_product(theta, x, labels, v).numpy()
    hessian = full_hessian(theta, x, labels)
    from_hessian = hessian @ v.numpy()

    print(f"parameters: {theta.numel()}, Hessian shape: {hessian.shape}")
    print(f"Hessian is symmetric: {np.allclose(hessian, hessian.T, atol=1e-12)}")
    print("H v from two backward passes:", np.round(product[:5], 6), "...")
    print("H v from the full Hessian:   ", np.round(from_hessian[:5], 6), "...")
    difference = np.max(np.abs(product - from_hessian))
    print(f"largest difference: {difference:.2e}")
    if difference > 1e-10:
        raise SystemExit("the two Hessian-vector products disagree")


if __name__ == "__main__":
    main()
