"""Tests of the benchmark suite: it runs, and its systems agree.

No test here looks at how long anything took. PyTorch is left out of the
suite's run (``--peers``), so the tests do not import it.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
# benchmarks/ is not an installed package. "python -m pytest" puts the
# repository root on sys.path, but a bare "pytest" does not.
if str(REPOSITORY) not in sys.path:
    sys.path.insert(0, str(REPOSITORY))

from benchmarks import agreement, reference, systems, workloads  # noqa: E402
from benchmarks.memory import traced_peak  # noqa: E402
from benchmarks.report import Table  # noqa: E402
from benchmarks.run import parse_args  # noqa: E402
from benchmarks.without import BuildError, Removal, build, without  # noqa: E402

NUMPY_PEERS = "mygrad,autograd"  # skipped with a note where not installed


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run ``python -m benchmarks --quick`` once and return its JSON results."""
    path = tmp_path_factory.mktemp("benchmarks") / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--peers", NUMPY_PEERS]
    result = subprocess.run(
        [*command, "--json", str(path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(path.read_text())


def small_setup(activation: str, dtype: type = np.float32) -> workloads.MLPSetup:
    setup = workloads.mlp_setup(activation, batch=5, sizes=(6, 4, 3))
    setup.weights = [w.astype(dtype) for w in setup.weights]
    setup.batches = [(x.astype(dtype), y) for x, y in setup.batches]
    return setup


def test_quick_run_has_every_workload(quick_results: dict) -> None:
    titles = " ".join(table["title"] for table in quick_results["tables"])
    for part in ("Training step", "Per-op overhead", "Chain of N", "Digits epoch"):
        assert part in titles
    for part in ("Peak memory", "import tinygrad_edu", "Switched-off tools"):
        assert part in titles


def test_quick_run_times_tinygrad_and_reference(quick_results: dict) -> None:
    step_table = quick_results["tables"][0]
    names = {row["system"] for row in step_table["rows"]}
    assert "tinygrad_edu" in names
    assert reference.NAME in names


def test_quick_run_reports_agreement(quick_results: dict) -> None:
    for table in quick_results["tables"][:2]:
        assert any("agreement with the reference" in n for n in table["notes"])


def test_quick_run_describes_environment(quick_results: dict) -> None:
    environment = quick_results["environment"]
    assert environment["numpy"] == np.__version__
    assert "tinygrad_edu" in environment["systems"]


@pytest.mark.parametrize("activation", workloads.ACTIVATIONS)
def test_tinygrad_training_agrees(activation: str) -> None:
    loaded = [systems.load_reference(), systems.load_tinygrad()]
    result = agreement.check_training(loaded, small_setup(activation), steps=3)
    assert result.worst["tinygrad_edu"] <= 1


def test_tinygrad_digits_training_agrees() -> None:
    loaded = [systems.load_reference(), systems.load_tinygrad()]
    result = agreement.check_training(loaded, workloads.digits_setup(), steps=3)
    assert result.worst["tinygrad_edu"] <= 1


def test_tinygrad_chain_agrees() -> None:
    loaded = [systems.load_reference(), systems.load_tinygrad()]
    results = {system.name: system.make_chain(300)() for system in loaded}
    result = agreement.check_chain(results, reference.NAME, 300)
    assert result.worst["tinygrad_edu"] <= 1


class _WrongTrainer(reference.MLPReference):
    """The reference with its first weight nudged after every step."""

    def step(self, index: int) -> float:
        loss = super().step(index)
        self.params[0][0, 0] += 1e-3 * self.lr
        return loss


def test_check_training_rejects_wrong_weights() -> None:
    wrong = systems.System("wrong", "0", _WrongTrainer, reference.make_chain)
    with pytest.raises(agreement.AgreementError, match="wrong: parameter 0"):
        agreement.check_training([systems.load_reference(), wrong], small_setup("relu"))


def test_check_chain_rejects_wrong_gradient() -> None:
    value, grad = reference.make_chain(30)()
    results = {reference.NAME: (value, grad), "wrong": (value, grad * 1.01)}
    with pytest.raises(agreement.AgreementError, match="wrong: output"):
        agreement.check_chain(results, reference.NAME, 30)


@pytest.mark.parametrize("activation", workloads.ACTIVATIONS)
def test_reference_gradient_matches_finite_differences(activation: str) -> None:
    setup = small_setup(activation, np.float64)
    setup.lr = 1.0
    trainer = reference.MLPReference(setup)
    trainer.step(0)
    grads = [w0 - w1 for w0, w1 in zip(setup.weights, trainer.weights(), strict=True)]

    step = 1e-6
    for index, weight in enumerate(setup.weights):
        for position in np.ndindex(weight.shape):
            losses = []
            for sign in (1, -1):
                shifted = [w.copy() for w in setup.weights]
                shifted[index][position] += sign * step
                probe = workloads.MLPSetup(**{**vars(setup), "weights": shifted})
                losses.append(reference.MLPReference(probe).step(0))
            numeric = (losses[0] - losses[1]) / (2 * step)
            assert grads[index][position] == pytest.approx(numeric, abs=1e-7)


def test_traced_peak_sees_numpy_arrays() -> None:
    peak = traced_peak(lambda: np.ones(1_000_000))
    assert peak >= 8_000_000


def test_table_rejects_wrong_cell_count() -> None:
    table = Table("t", ["a", "b"])
    with pytest.raises(ValueError, match="2 columns"):
        table.add(["only one"], {})


def test_parse_args_rejects_unknown_peer() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--peers", "jax"])


class _Sample:
    """A class whose ``total`` has statements for three switched-off tools."""

    def total(self, values: list[int]) -> int:
        result = 0
        if self.debug:
            result += 100
        for value in self.extra:
            result += value
        for value in values:
            result += value
            self.log.append(value)
        return result


def test_without_removes_tool_statements() -> None:
    removal = Removal(_Sample.__module__, "_Sample.total", ("debug", "extra", "log"))
    total = without([removal], lambda: _Sample().total([1, 2]))
    assert total() == 3


def test_without_restores_original_method() -> None:
    removal = Removal(_Sample.__module__, "_Sample.total", ("debug", "extra", "log"))
    without([removal], lambda: _Sample().total([1, 2]))()
    with pytest.raises(AttributeError):
        _Sample().total([1, 2])


def test_build_rejects_unmentioned_names() -> None:
    removal = Removal(_Sample.__module__, "_Sample.total", ("missing",))
    with pytest.raises(BuildError, match="mentions none of missing"):
        build(removal)
