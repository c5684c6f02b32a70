"""A perceptron decides whether to go grocery shopping; then a neuron learns it.

Part 1: a hand-set perceptron. Three yes/no inputs are weighed and the shopper
goes when the weighted sum reaches the threshold:

    score = 5 * need_food + 3 * weekday + 2 * near_store,   go if score >= 5

Part 2: a single sigmoid neuron, sigmoid(w . x + b), learns such a rule from
labelled days by gradient descent. tinygrad_edu computes the gradients.

Run: python examples/grocery_perceptron.py
"""

import argparse
import itertools

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn, no_grad, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F

FEATURES = ("need food", "weekday", "near store")
WEIGHTS = Tensor([5.0, 3.0, 2.0])
THRESHOLD = 5.0


def perceptron(days: Tensor) -> tuple[Tensor, Tensor]:
    """Return each day's score and whether the shopper goes (score >= 5).

    Args:
        days: shape (N, 3), one row of 0/1 features per day.
    """
    scores = days @ WEIGHTS
    return scores, scores >= THRESHOLD


def all_days() -> Tensor:
    """Return the 8 combinations of the three yes/no features, shape (8, 3)."""
    return Tensor(list(itertools.product([0.0, 1.0], repeat=3)))


def describe(day: list[float]) -> str:
    words = [
        "food" if day[0] else "no food",
        "weekday" if day[1] else "weekend",
        "near" if day[2] else "far",
    ]
    return ", ".join(words)


def train_neuron(epochs: int, lr: float, seed: int) -> nn.Linear:
    """Fit sigmoid(w . x + b) to the perceptron's decisions on all 8 days."""
    tg.manual_seed(seed)
    days = all_days()
    _, labels = perceptron(days)
    targets = labels.float().reshape(-1, 1)

    # One batch of all 8 days, so each step is a full-batch gradient step.
    loader = DataLoader(TensorDataset(days, targets), batch_size=len(days))

    neuron = nn.Linear(3, 1)
    optimizer = optim.SGD(neuron.parameters(), lr=lr)
    for _ in range(epochs):
        for day_batch, target_batch in loader:
            logits = neuron(day_batch)
            loss = F.binary_cross_entropy_with_logits(logits, target_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return neuron


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000, help="gradient steps")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args()

    print("Part 1: the hand-set perceptron (weights 5, 3, 2; threshold 5)")
    cases = Tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    scores, decisions = perceptron(cases)
    rows = zip(cases.tolist(), scores.tolist(), decisions.tolist(), strict=True)
    for day, score, go in rows:
        print(f"  {describe(day):<24} score {score:g}: {'go' if go else 'stay'}")

    print("\nPart 2: a sigmoid neuron learns the rule from the 8 labelled days")
    neuron = train_neuron(args.epochs, args.lr, args.seed)
    weights = neuron.weight.detach().numpy().ravel()
    bias = neuron.bias.detach().numpy().item()
    for name, weight in zip(FEATURES, weights, strict=True):
        print(f"  weight for {name:<10} {weight:7.3f}")
    print(f"  bias                  {bias:7.3f}")

    days = all_days()
    _, rule = perceptron(days)
    with no_grad():
        probabilities = neuron(days).sigmoid().reshape(-1)
    rows = zip(days.tolist(), probabilities.tolist(), rule.tolist(), strict=True)
    for day, p, expected in rows:
        decision = "go" if p >= 0.5 else "stay"
        agrees = "agrees" if (p >= 0.5) == expected else "DISAGREES"
        print(f"  {describe(day):<24} p(go) = {p:.3f}: {decision:<4} ({agrees})")

    matches = int(np.sum((probabilities.numpy() >= 0.5) == rule.numpy()))
    print(f"\nthe neuron agrees with the perceptron on {matches} of 8 days")


if __name__ == "__main__":
    main()
