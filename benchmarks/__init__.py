"""The benchmark suite: tinygrad_edu against hand-written NumPy and its peers.

Run it with ``python -m benchmarks`` (``--help`` lists the options). The
modules, in the order a run uses them:

- ``workloads``: sizes, targets, initial weights and batches;
- ``reference``: the hand-written NumPy forward, backward and SGD;
- ``systems`` and ``peers``: one adapter per system (tinygrad_edu, PyTorch,
  MyGrad, HIPS autograd), each optional except tinygrad_edu;
- ``agreement``: the check that every system computes the same numbers;
- ``timing`` and ``memory``: the measurements;
- ``training``, ``chains``, ``footprint`` and ``tools``: one table per
  workload, with ``without`` building the library minus a tool for
  ``tools``;
- ``environment``, ``report`` and ``run``: the machine, the tables and the
  command line.
"""
