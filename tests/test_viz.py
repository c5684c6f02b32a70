"""Graph pictures: the DOT text of to_dot, parsed back, and render's files."""

import re
import shutil
import sys
import types

import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, viz
from tinygrad_edu.grad_mode import keep_inputs

_NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
_EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);$")


def parse_dot(text):
    """Return ({node id: label lines}, {node id: style}, [(source, target)])."""
    labels, styles, edges = {}, {}, []
    for line in text.splitlines():
        node = _NODE.match(line)
        edge = _EDGE.match(line)
        if node:
            labels[node.group(1)] = node.group(2).split("\\n")
            styles[node.group(1)] = node.group(3)
        elif edge:
            edges.append((edge.group(1), edge.group(2)))
    return labels, styles, edges


def find_node(labels, first_line):
    matches = [key for key, lines in labels.items() if lines[0] == first_line]
    assert len(matches) == 1, f"{first_line!r} labels {len(matches)} nodes"
    return matches[0]


def test_to_dot_is_digraph():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    text = viz.to_dot((x * 3).sum())
    assert text.startswith("digraph autograd {")
    assert text.rstrip().endswith("}")


def test_to_dot_shared_tensor_once():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    labels, _, edges = parse_dot(viz.to_dot((x * x).sum()))

    assert len(labels) == 3
    mul = find_node(labels, "MulBackward")
    leaf = find_node(labels, "(2,) float32")
    assert edges.count((leaf, mul)) == 2
    assert len(edges) == 3


def test_to_dot_tensor_in_two_operations():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    labels, _, edges = parse_dot(viz.to_dot((x * 2 + x.exp()).sum()))

    leaf = find_node(labels, "(2,) float32")
    assert (leaf, find_node(labels, "MulBackward")) in edges
    assert (leaf, find_node(labels, "ExpBackward")) in edges
    assert len(labels) == 5


def test_to_dot_edges_point_to_consumer():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    labels, _, edges = parse_dot(viz.to_dot(x.exp().sum()))

    exp = find_node(labels, "ExpBackward")
    total = find_node(labels, "SumBackward")
    assert (exp, total) in edges
    assert (total, exp) not in edges


def test_to_dot_broadcast_shapes():
    a = tg.Tensor([[1.0, 2.0, 3.0]] * 4, requires_grad=True)
    b = tg.Tensor([0.5, 0.25, 0.125], requires_grad=True)
    labels, _, edges = parse_dot(viz.to_dot((a + b).sum()))

    add = find_node(labels, "AddBackward")
    assert labels[add][1] == "(4, 3) float32"
    assert (find_node(labels, "(3,) float32"), add) in edges
    assert (find_node(labels, "(4, 3) float32"), add) in edges


def test_to_dot_output_shape_and_dtype():
    x = tg.Tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    labels, styles, _ = parse_dot(viz.to_dot(x.sum()))

    total = find_node(labels, "SumBackward")
    assert labels[total][1] == "() float64"
    assert "palegreen" in styles[total]


def test_to_dot_module_parameter_names():
    model = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1))
    loss = model(tg.randn(4, 3)).sum()
    params = dict(model.named_parameters())
    labels, _, edges = parse_dot(viz.to_dot(loss, params=params))

    first_lines = sorted(lines[0] for lines in labels.values())
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert name in first_lines
    assert labels[find_node(labels, "0.weight")][1] == "(2, 3) float32"
    assert len(edges) == len(labels) - 1


def test_to_dot_skips_inputs_without_grad():
    model = nn.Linear(3, 2)
    loss = model(tg.randn(4, 3)).sum()
    labels, _, _ = parse_dot(viz.to_dot(loss))

    leaves = [key for key, lines in labels.items() if "Backward" not in lines[0]]
    assert len(leaves) == 2


def test_to_dot_unnamed_leaf_has_shape_first():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    w = tg.Tensor([3.0, 4.0], requires_grad=True)
    labels, _, _ = parse_dot(viz.to_dot((x * w).sum(), params={"w": w}))

    assert find_node(labels, "w")
    assert find_node(labels, "(2,) float32")


def test_to_dot_values_when_asked():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    labels, _, _ = parse_dot(viz.to_dot(loss, show_values=True))

    assert "value [1., 2.]" in labels[find_node(labels, "(2,) float32")]
    assert "value 5." in labels[find_node(labels, "SumBackward")]


def test_to_dot_no_values_by_default():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    labels, _, _ = parse_dot(viz.to_dot((x * x).sum()))
    lines = [line for node_lines in labels.values() for line in node_lines]
    assert not [line for line in lines if line.startswith("value")]
    assert not [line for line in lines if line.startswith("grad")]


def test_to_dot_kept_intermediate_values():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with keep_inputs():
        loss = (x * x).sum()
    labels, _, _ = parse_dot(viz.to_dot(loss, show_values=True))

    assert "value [1., 4.]" in labels[find_node(labels, "MulBackward")]


def test_to_dot_saved_output_value():
    x = tg.Tensor([0.0, 1.0], requires_grad=True)
    labels, _, _ = parse_dot(viz.to_dot(x.exp().sum(), show_values=True))

    assert "value [1.    , 2.7183]" in labels[find_node(labels, "ExpBackward")]


def test_to_dot_grads_after_backward():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    labels, _, _ = parse_dot(viz.to_dot(loss, show_grads=True))

    assert "grad [2., 4.]" in labels[find_node(labels, "(2,) float32")]


def test_to_dot_retained_intermediate_grad():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with keep_inputs():
        squared = x * x
        squared.retain_grad()
        loss = (squared * 3).sum()
    loss.backward()
    labels, _, _ = parse_dot(viz.to_dot(loss, show_grads=True))

    mul_nodes = [lines for lines in labels.values() if lines[0] == "MulBackward"]
    assert ["MulBackward", "(2,) float32", "grad [3., 3.]"] in mul_nodes


def test_to_dot_abbreviates_large_arrays():
    x = tg.arange(1000).float().requires_grad_()
    labels, _, _ = parse_dot(viz.to_dot(x.sum(), show_values=True))

    value = labels[find_node(labels, "(1000,) float32")][1]
    assert "..." in value
    assert len(value) < 60


def test_to_dot_leaf_output():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    labels, styles, edges = parse_dot(viz.to_dot(x, params={"x": x}))

    assert labels == {"n0": ["x", "(2,) float32"]}
    assert edges == []


def test_to_dot_escapes_quotes():
    x = tg.Tensor([1.0], requires_grad=True)
    text = viz.to_dot(x.sum(), params={'say "hi"\\': x})
    labels, _, _ = parse_dot(text)

    assert len(labels) == 2
    assert 'say \\"hi\\"\\\\' in text


def test_to_dot_long_chain():
    x = tg.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    labels, _, edges = parse_dot(viz.to_dot(y))

    assert len(labels) == 5001
    assert len(edges) == 5000


def test_to_dot_rejects_non_tensor():
    with pytest.raises(TypeError, match="expects a Tensor"):
        viz.to_dot([1.0])


def test_to_dot_rejects_non_mapping_params():
    model = nn.Linear(2, 1)
    loss = model(tg.randn(1, 2)).sum()
    with pytest.raises(TypeError, match="named_parameters"):
        viz.to_dot(loss, params=list(model.named_parameters()))


def test_render_rejects_other_format(tmp_path):
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="svg or png"):
        viz.render(x.sum(), tmp_path / "graph.pdf")


def test_render_without_package_says_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.render(x.sum(), tmp_path / "graph.svg")


def test_render_without_dot_says_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", types.ModuleType("graphviz"))
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        viz.render(x.sum(), tmp_path / "graph.svg")


def _graphviz_available():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return shutil.which("dot") is not None


needs_graphviz = pytest.mark.skipif(
    not _graphviz_available(),
    reason="needs the graphviz package (pip install graphviz) and the dot program",
)


@needs_graphviz
def test_render_svg(tmp_path):
    model = nn.Linear(2, 1)
    loss = model(tg.randn(3, 2)).sum()
    path = viz.render(
        loss, tmp_path / "graph.svg", params=dict(model.named_parameters())
    )

    text = path.read_text()
    assert "<svg" in text
    assert "weight" in text


@needs_graphviz
def test_render_png(tmp_path):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    path = viz.render((x * x).sum(), tmp_path / "graph.png")
    assert path.read_bytes().startswith(b"\x89PNG")


@needs_graphviz
def test_render_format_overrides_suffix(tmp_path):
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    path = viz.render(x.sum(), tmp_path / "graph.out", format="svg")
    assert "<svg" in path.read_text()
