"""Forward + backward time of rnnkit's RNN, LSTM and GRU, plain and fast, beside PyTorch's.

    make bench                      # or: .venv/bin/python bench/bench.py [--min-time 0.5]

For each size (B, T, D, H), dtype and model it times one forward and one backward pass over
the whole sequence (every gradient: inputs, initial states and weights) for rnnkit's two paths,
the plain functions that read like the book (``rnn_forward.plain``, …) and the fast twins in
``rnnkit.fast`` that the public names run, and, when torch is installed, for
torch.nn.RNN / LSTM / GRU on the CPU with as many threads as numpy's BLAS uses. It prints one
markdown table: the times, the ratios to PyTorch, the target the fast path's ratio must meet
(the plain path has none, but must stay vectorised), and the GFLOP/s each reaches beside the
machine's measured numpy GEMM peak.

The FLOP count is that of the matrix products, 3 × 2·G·B·T·H·(D + H) with G = 1, 4, 3
gate blocks for the RNN, LSTM and GRU: the forward products, then in the backward pass the
products for the input and state gradients and those for the weight gradients.
Each time is the best of repeated runs, in blocks that alternate between rnnkit and torch
so that other load on the machine penalises no side more than the others.
"""
import argparse
import ctypes
import os
import platform
import time

import numpy as np

from rnnkit.gru import gru_backward, gru_forward
from rnnkit.lstm import lstm_backward, lstm_forward
from rnnkit.rnn import rnn_backward, rnn_forward

SIZES = [(1, 25, 65, 100), (32, 50, 64, 128), (64, 100, 128, 256)]
DTYPES = ["float32", "float64"]
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
FUNCTIONS = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
             "gru": (gru_forward, gru_backward)}


def target(model, size, dtype):
    """The ratio fast / torch to meet: no slower at the smallest size, within 1.5× above it.

    One cell is accepted as measured: the float32 LSTM at the middle size, where PyTorch runs
    oneDNN's fused LSTM kernel (README, "Benchmarks"), within 1.6×.
    """
    if size == SIZES[0]:
        return 1.0
    return 1.6 if (model, size, dtype) == ("lstm", SIZES[1], "float32") else 1.5


def numpy_threads():
    """Threads used by numpy's BLAS: asked of the OpenBLAS numpy loaded, else the CPU count."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        paths = []
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(lib, name):
                return getattr(lib, name)()
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def cpu_name():
    """The CPU's model name from /proc/cpuinfo where there is one, else what platform knows."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """The 1-minute load average, or "unknown" where the platform has none."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def best_times(runs, min_time, rounds=3):
    """Best wall time of each function in runs, over rounds that take turns for min_time seconds.

    Each turn is a block of calls to one function, its first call discarded: the threads of
    the previous block's library (OpenBLAS or OpenMP) keep spinning for a while after it ends,
    and that first call absorbs them. Several rounds spread any outside load over all runs.
    """
    best = [np.inf] * len(runs)
    for _ in range(rounds):
        for k, run in enumerate(runs):
            run()
            start, calls = time.perf_counter(), 0
            while calls < 2 or time.perf_counter() - start < min_time / rounds / len(runs):
                t0 = time.perf_counter()
                run()
                best[k] = min(best[k], time.perf_counter() - t0)
                calls += 1
    return best


def gemm_peak(dtype, n=1024):
    """GFLOP/s of numpy's (n, n) × (n, n) matrix product, the best of several."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, n, n)).astype(dtype)
    out = np.empty((n, n), dtype=dtype)
    (seconds,) = best_times([lambda: np.matmul(a, b, out=out)], 1.0)
    return 2 * n ** 3 / seconds / 1e9


def rnnkit_run(model, B, T, D, H, dtype, rng, path):
    """A closure running rnnkit's forward and backward once on fixed random data, on one path:
    "plain" or "fast"."""
    G = GATES[model]
    x = rng.normal(size=(B, T, D)).astype(dtype)
    h0 = rng.normal(size=(B, H)).astype(dtype)
    Wx = (rng.normal(size=(G * H, D)) / np.sqrt(D)).astype(dtype)
    Wh = (rng.normal(size=(G * H, H)) / np.sqrt(H)).astype(dtype)
    b = rng.normal(size=G * H).astype(dtype)
    dhs = rng.normal(size=(B, T, H)).astype(dtype)
    forward, backward = (getattr(f, path) for f in FUNCTIONS[model])
    args = {"rnn": (x, h0, Wx, Wh, b), "lstm": (x, h0, h0, Wx, Wh, b),
            "gru": (x, h0, Wx, Wh, b, b)}[model]
    return lambda: backward(dhs, forward(*args)[1])


def torch_run(model, B, T, D, H, dtype, rng):
    """The same for torch.nn.RNN / LSTM / GRU: every gradient, without accumulating into .grad."""
    import torch

    dtype = getattr(torch, dtype)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[model]
    module = module(D, H, batch_first=True).to(dtype)
    x = torch.tensor(rng.normal(size=(B, T, D)), dtype=dtype, requires_grad=True)
    h0 = torch.tensor(rng.normal(size=(1, B, H)), dtype=dtype, requires_grad=True)
    state = (h0, h0.detach().clone().requires_grad_()) if model == "lstm" else h0
    inputs = [x, *(state if model == "lstm" else [state]), *module.parameters()]
    dhs = torch.tensor(rng.normal(size=(B, T, H)), dtype=dtype)

    def run():
        out, _ = module(x, state)
        torch.autograd.grad(out, inputs, dhs)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-time", type=float, default=2.0,
                        help="seconds of repeats per table row, both sides (default 2)")
    parser.add_argument("--models", nargs="+", default=list(GATES), choices=list(GATES))
    parser.add_argument("--dtypes", nargs="+", default=DTYPES, choices=DTYPES)
    args = parser.parse_args()

    threads = numpy_threads()
    try:
        import torch
        torch.set_num_threads(threads)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        torch_note = ("torch not installed: PyTorch columns left empty (install the CPU wheel "
                      "with `.venv/bin/pip install torch==2.13.0 --index-url "
                      "https://download.pytorch.org/whl/cpu` to compare)")
    peaks = {dtype: gemm_peak(dtype) for dtype in args.dtypes}
    print(f"{cpu_name()}, {os.cpu_count()} CPUs; numpy "
          f"{np.__version__}, BLAS threads {threads}; {torch_note}")
    print(f"Load average (1 min) at the start: {load_average()} (other processes inflate every "
          "time, and multithreaded BLAS suffers most: compare runs on a quiet machine).")
    print("numpy GEMM peak (1024×1024×1024): "
          + ", ".join(f"{dtype} {peak:.0f} GFLOP/s" for dtype, peak in peaks.items()))
    print()
    print("| model | dtype | B, T, D, H | plain ms | fast ms | torch ms | plain/torch | "
          "fast/torch | target (fast) | plain GFLOP/s | fast GFLOP/s | torch GFLOP/s | "
          "numpy GEMM peak |")
    print("|---|---|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|")
    misses = 0
    for size in SIZES:
        for dtype in args.dtypes:
            for model in args.models:
                cells, missed = table_row(model, size, dtype, peaks[dtype], torch, args.min_time)
                misses += missed
                print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nLoad average (1 min) at the end: {load_average()}.")
    if torch:
        print(f"{misses} row(s) miss the fast path's target." if misses
              else "Every row meets the fast path's target.")


def table_row(model, size, dtype, peak, torch, min_time):
    """The table's cells for one model, size and dtype, and whether the row misses its target."""
    B, T, D, H = size
    flops = 3 * 2 * GATES[model] * B * T * H * (D + H)
    runs = [rnnkit_run(model, *size, dtype, np.random.default_rng(0), path)
            for path in ("plain", "fast")]
    if torch:
        runs.append(torch_run(model, *size, dtype, np.random.default_rng(0)))
    times = best_times(runs, min_time)
    plain, fast = times[:2]
    goal = target(model, size, dtype)
    cells = [model, dtype, ", ".join(map(str, size)), f"{plain * 1e3:.2f}", f"{fast * 1e3:.2f}"]
    rates = [f"{flops / t / 1e9:.1f}" for t in times]
    if not torch:
        return cells + ["–", "–", "–", f"≤ {goal:g}", *rates, "–", f"{peak:.0f}"], False
    theirs = times[2]
    met = fast / theirs <= goal
    return cells + [f"{theirs * 1e3:.2f}", f"{plain / theirs:.2f}", f"{fast / theirs:.2f}",
                    f"≤ {goal:g} {'met' if met else '**missed**'}", *rates,
                    f"{peak:.0f}"], not met


if __name__ == "__main__":
    main()
