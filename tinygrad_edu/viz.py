"""Pictures of the graph that a forward pass recorded, as Graphviz DOT text.

``to_dot(loss)`` walks from ``loss.grad_fn`` through each node's ``parents``
and draws one box per operation and one per leaf tensor, with an arrow from
each input to the operation that consumed it. Arrows point the way the
forward pass ran, so the output is at the bottom, and backward runs upwards.

An input that needs no gradient is not part of the graph: its entry in
``parents`` is None, so it is not drawn. This includes the data fed to a
network.

``render(loss, "graph.svg")`` turns the text into a picture. It needs the
optional ``graphviz`` Python package and the Graphviz ``dot`` program.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.engine import topological_order
from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor

RENDER_FORMATS = ("svg", "png")

_OP_STYLE = 'style=filled, fillcolor="lightgrey"'
_OUTPUT_STYLE = 'style=filled, fillcolor="palegreen"'
_LEAF_STYLE = 'style="filled,rounded", fillcolor="lightblue"'
_CONSTANT_STYLE = 'style="rounded"'


class _KnownOutput(NamedTuple):
    """The part of a node's output that the graph records: shape, dtype, values."""

    shape: tuple[int, ...] | None
    dtype: np.dtype | None
    tensor: Tensor | None


@dataclass
class _DrawnNode:
    """One box of the picture: its DOT id, its label lines and its style."""

    dot_id: str
    lines: list[str] = field(default_factory=list)
    style: str = _OP_STYLE


def to_dot(
    tensor: Tensor,
    show_values: bool = False,
    show_grads: bool = False,
    params: Mapping[str, Tensor] | None = None,
) -> str:
    """Return Graphviz DOT text of the graph that produced ``tensor``.

    Each operation node is labelled with its name (``MulBackward``) and, where
    the graph records it, the shape and dtype of its output. Each leaf is
    labelled with its shape and dtype, and with its name when ``params``
    contains it. The output's box is green, operations are grey and leaves
    blue. The graph is walked with an explicit stack, so a chain of any
    length works.

    Args:
        tensor: the output, usually a loss.
        show_values: add each tensor's values, abbreviated. Leaves and the
            output always have values. An intermediate result has one only
            where the graph kept it: a node's saved output (until backward
            frees it), or a consumer's inputs when the forward pass ran inside
            ``grad_mode.keep_inputs()``.
        show_grads: add each ``.grad``, abbreviated, where one is stored: on
            leaves after ``backward()``, and on non-leaf tensors that called
            ``retain_grad()`` and can be reached as above.
        params: names of leaf tensors, such as
            ``dict(model.named_parameters())``.

    Returns:
        The DOT text, starting with ``digraph``.

    Raises:
        TypeError: if ``tensor`` is not a Tensor, or ``params`` not a mapping
            of names to Tensors.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot expects a Tensor, got {type(tensor).__name__}")
    names = _parameter_names(params)

    drawn: dict[int, _DrawnNode] = {}
    edges: list[tuple[str, str]] = []
    if tensor.grad_fn is None:
        drawn[id(tensor)] = _leaf_box(tensor, "n0", names, show_values, show_grads)
        drawn[id(tensor)].style = _OUTPUT_STYLE
        return _format_dot(list(drawn.values()), edges)

    nodes = topological_order([tensor.grad_fn])
    outputs = _known_outputs(tensor, nodes)
    for index, node in enumerate(nodes):
        drawn[id(node)] = _op_box(node, f"n{index}", outputs.get(id(node)))
    drawn[id(tensor.grad_fn)].style = _OUTPUT_STYLE

    for node in nodes:
        for parent in node.parents:
            if parent is None:
                continue
            if isinstance(parent, Tensor) and id(parent) not in drawn:
                dot_id = f"n{len(drawn)}"
                box = _leaf_box(parent, dot_id, names, show_values, show_grads)
                drawn[id(parent)] = box
            edges.append((drawn[id(parent)].dot_id, drawn[id(node)].dot_id))

    if show_values or show_grads:
        for node in nodes:
            known = outputs.get(id(node))
            _add_arrays(drawn[id(node)], known, node, show_values, show_grads)
    return _format_dot(list(drawn.values()), edges)


def render(
    tensor: Tensor, path: str | Path, format: str | None = None, **kwargs: Any
) -> Path:
    """Draw the graph that produced ``tensor`` into an SVG or PNG file.

    Args:
        tensor: the output, usually a loss.
        path: the file to write. Its parent directory must exist.
        format: ``"svg"`` or ``"png"``. By default the suffix of ``path``
            chooses it.
        **kwargs: passed to ``to_dot``: ``show_values``, ``show_grads``,
            ``params``.

    Returns:
        ``path`` as a Path.

    Raises:
        ValueError: if the format is neither svg nor png.
        ImportError: if the ``graphviz`` Python package is not installed.
        RuntimeError: if the Graphviz ``dot`` program is not installed.
    """
    path = Path(path)
    chosen = format if format is not None else path.suffix.lstrip(".").lower()
    if chosen not in RENDER_FORMATS:
        raise ValueError(
            f"invalid format {chosen!r} for {str(path)!r}: render writes svg or "
            "png. Name the file .svg or .png, or pass format='svg' or format='png'."
        )

    graphviz = _import_graphviz()
    source = graphviz.Source(to_dot(tensor, **kwargs))
    try:
        picture = source.pipe(format=chosen)
    except graphviz.ExecutableNotFound as error:
        raise RuntimeError(_MISSING_DOT) from error
    path.write_bytes(picture)
    return path


_MISSING_DOT = (
    "render needs the Graphviz program 'dot', which was not found on PATH. "
    "Install Graphviz (Debian and Ubuntu: apt-get install graphviz; macOS: "
    "brew install graphviz; see https://graphviz.org/download/), or write the "
    "text of to_dot(tensor) to a .dot file instead."
)


def _import_graphviz() -> Any:
    """Import the ``graphviz`` package and check that ``dot`` is on PATH."""
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "render needs the graphviz Python package: pip install graphviz "
            '(or pip install "tinygrad-edu[viz]"), and the Graphviz program '
            "(Debian and Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz)"
        ) from error
    if shutil.which("dot") is None:
        raise RuntimeError(_MISSING_DOT)
    return graphviz


def _parameter_names(params: Mapping[str, Tensor] | None) -> dict[int, str]:
    """Map the id of each tensor in ``params`` to its name."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(
            "params must be a mapping of names to tensors, such as "
            f"dict(model.named_parameters()), got {type(params).__name__}"
        )

    names: dict[int, str] = {}
    for name, value in params.items():
        if not isinstance(value, Tensor):
            raise TypeError(
                f"params[{name!r}] must be a Tensor, got {type(value).__name__}"
            )
        names.setdefault(id(value), str(name))
    return names


def _known_outputs(tensor: Tensor, nodes: list[Function]) -> dict[int, _KnownOutput]:
    """Map each node's id to what the graph records of its output tensor.

    The shape and dtype come from a consumer that recorded them as its input,
    and the tensor itself from a consumer that kept its inputs.
    """
    root = _KnownOutput(tensor.shape, tensor.dtype, tensor)
    known: dict[int, _KnownOutput] = {id(tensor.grad_fn): root}
    for node in nodes:
        for index, parent in enumerate(node.parents):
            if not isinstance(parent, Function):
                continue
            kept = node.inputs[index] if node.inputs is not None else None
            previous = known.get(id(parent))
            if previous is None or (previous.tensor is None and kept is not None):
                shape = node.input_shapes[index]
                dtype = node.input_dtypes[index]
                known[id(parent)] = _KnownOutput(shape, dtype, kept)
    return known


def _op_box(node: Function, dot_id: str, known: _KnownOutput | None) -> _DrawnNode:
    box = _DrawnNode(dot_id, [node.name()])
    if known is not None:
        box.lines.append(_describe(known.shape, known.dtype))
    return box


def _leaf_box(
    leaf: Tensor,
    dot_id: str,
    names: dict[int, str],
    show_values: bool,
    show_grads: bool,
) -> _DrawnNode:
    style = _LEAF_STYLE if leaf.requires_grad else _CONSTANT_STYLE
    box = _DrawnNode(dot_id, [], style)
    if id(leaf) in names:
        box.lines.append(names[id(leaf)])
    box.lines.append(_describe(leaf.shape, leaf.dtype))
    if show_values:
        box.lines.append("value " + _abbreviate(leaf._array))
    if show_grads and leaf._grad is not None:
        box.lines.append("grad " + _abbreviate(leaf._grad._array))
    return box


def _add_arrays(
    box: _DrawnNode,
    known: _KnownOutput | None,
    node: Function,
    show_values: bool,
    show_grads: bool,
) -> None:
    """Add the value and grad of a node's output, where the graph kept them."""
    output = known.tensor if known is not None else None
    if show_values:
        if output is not None:
            box.lines.append("value " + _abbreviate(output._array))
        elif node._output is not None:
            box.lines.append("value " + _abbreviate(node._output))
    # Read _grad, because the .grad property warns on a non-leaf without one.
    if show_grads and output is not None and output._grad is not None:
        box.lines.append("grad " + _abbreviate(output._grad._array))


def _describe(shape: Any, dtype: Any) -> str:
    if shape is None:
        return "(shape unknown)"
    return f"{tuple(shape)} {dtype}"


def _abbreviate(array: np.ndarray) -> str:
    """Return the array as short text: 4 digits, at most 2 items at each end."""
    return np.array2string(
        np.asarray(array),
        precision=4,
        threshold=6,
        edgeitems=2,
        separator=", ",
        max_line_width=48,
    )


def _quote(lines: list[str]) -> str:
    """Return the lines as one quoted DOT string, with line breaks between them."""
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    text = "\\n".join(escaped).replace("\n", "\\n")
    return f'"{text}"'


def _format_dot(boxes: list[_DrawnNode], edges: list[tuple[str, str]]) -> str:
    lines = [
        "digraph autograd {",
        '  node [shape=box, fontname="monospace", fontsize=10];',
    ]
    for box in boxes:
        lines.append(f"  {box.dot_id} [label={_quote(box.lines)}, {box.style}];")
    for source, target in edges:
        lines.append(f"  {source} -> {target};")
    lines.append("}")
    return "\n".join(lines) + "\n"


__all__ = ["RENDER_FORMATS", "render", "to_dot"]
