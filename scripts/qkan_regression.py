#!/usr/bin/python3
"""Function regression with QKAN, its B-spline KAN twin and an MLP of matched parameter count
(the first experiment of Jiang et al., arXiv 2509.14026): test RMSE and parameter counts.

    PYTHONPATH=build/python /usr/bin/python3 scripts/qkan_regression.py [--steps 200] [--seeds 0 1 2]

Each function is sampled uniformly on its box (1,000 training and 1,000 test points, float64);
every model trains with L-BFGS (strong Wolfe line search) on the MSE. "qkan-ext" is the paper's
layer extension: QKAN with one repetition for half the steps, then extended to --reps (the learned
function kept) and trained for the other half. Prints one Markdown row per
(function, model): median test RMSE over the seeds, parameters, seconds per run.
"""

import argparse
import math
import statistics
import time

import numpy as np
import scipy.special
import torch

import tangle as tg
from tangle import qkan

# name -> (f(x [N, d]) -> [N], d, low, high, hidden width). J0(20x) is the paper's special function;
# the others are equations of the Feynman set (Udrescu & Tegmark) used by the KAN paper, on boxes
# of our choosing.
FUNCTIONS = {
    "J0(20x)": (lambda x: torch.from_numpy(scipy.special.j0(20 * x[:, 0].numpy())), 1, -1.0, 1.0, 4),
    "I.6.2 exp(-(t/s)^2/2)/sqrt(2 pi s^2)": (
        lambda x: torch.exp(-(x[:, 0] / x[:, 1]) ** 2 / 2) / torch.sqrt(2 * math.pi * x[:, 1] ** 2), 2, 1.0, 3.0, 4),
    "I.12.11 q (E + B v sin t)": (
        lambda x: x[:, 0] * (x[:, 1] + x[:, 2] * x[:, 3] * torch.sin(x[:, 4])), 5, 1.0, 2.0, 4),
    "I.27.6 1/(1/d1 + n/d2)": (lambda x: 1 / (1 / x[:, 0] + x[:, 2] / x[:, 1]), 3, 1.0, 2.0, 4),
    "I.30.3 sin^2(n t/2)/sin^2(t/2)": (
        lambda x: torch.sin(x[:, 1] * x[:, 0] / 2) ** 2 / torch.sin(x[:, 0] / 2) ** 2, 2, 1.0, 3.0, 4),
    "II.6.15a 3 p z sqrt(x^2+y^2)/(4 pi r^5)": (
        lambda x: 3 * x[:, 0] * x[:, 1] * torch.sqrt(x[:, 2] ** 2 + x[:, 3] ** 2) / (4 * math.pi * x[:, 4] ** 5),
        5, 1.0, 2.0, 4),
}


def data(f, d, lo, hi, seed):
    g = torch.Generator().manual_seed(1000 + seed)
    x = lo + (hi - lo) * torch.rand(2000, d, generator=g, dtype=torch.float64)
    y = f(x).unsqueeze(1)
    # The networks see inputs scaled to [-1, 1] (the KAN grid), as pykan's datasets are.
    xs = 2 * (x - lo) / (hi - lo) - 1
    return xs[:1000], y[:1000], xs[1000:], y[1000:]


def widths(d, hidden):
    return [d, hidden, 1] if hidden else [d, 1]


def build(kind, d, hidden, seed, reps):
    w = widths(d, hidden)
    torch.manual_seed(seed)
    if kind == "qkan":
        return tg.QKAN(w, reps=reps, seed=seed, dtype=torch.float64)
    if kind == "qkan-ext":
        return tg.QKAN(w, reps=1, seed=seed, dtype=torch.float64)
    if kind == "kan":
        return torch.nn.Sequential(*[tg.KANLayer(a, b, seed=seed + k, dtype=torch.float64)
                                     for k, (a, b) in enumerate(zip(w[:-1], w[1:]))])
    target = qkan.count_parameters(tg.QKAN(w, reps=reps))
    h = qkan.mlp_hidden_for(d, 1, 2, target)
    return qkan.make_mlp(d, 1, 2, h).double()


def train(model, xtr, ytr, steps):
    opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=20, history_size=50,
                            line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0)

    def closure():
        opt.zero_grad()
        loss = torch.mean((model(xtr) - ytr) ** 2)
        loss.backward()
        return loss

    for _ in range(steps // 20):
        opt.step(closure)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=200, help="L-BFGS iterations per run")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--only", default="", help="substring of the function names to run")
    p.add_argument("--models", nargs="+", default=["qkan", "kan", "mlp"], help="qkan, qkan-ext, kan, mlp")
    a = p.parse_args()
    torch.set_num_threads(1)
    print("| function | model | widths | parameters | test RMSE (median of seeds) | seconds / run |")
    print("|---|---|---|---|---|---|")
    for name, (f, d, lo, hi, hidden) in FUNCTIONS.items():
        if a.only and a.only not in name:
            continue
        for kind in a.models:
            rmse, secs, params = [], [], 0
            for seed in a.seeds:
                xtr, ytr, xte, yte = data(f, d, lo, hi, seed)
                model = build(kind, d, hidden, seed, a.reps)
                params = qkan.count_parameters(model)
                t0 = time.time()
                if kind == "qkan-ext":
                    train(model, xtr, ytr, a.steps // 2)
                    for layer in model:
                        layer.extend_reps(a.reps)
                    params = qkan.count_parameters(model)
                    train(model, xtr, ytr, a.steps - a.steps // 2)
                else:
                    train(model, xtr, ytr, a.steps)
                secs.append(time.time() - t0)
                with torch.no_grad():
                    r = torch.sqrt(torch.mean((model(xte) - yte) ** 2)).item()
                rmse.append(r if np.isfinite(r) else float("inf"))
            shape = widths(d, hidden) if kind != "mlp" else f"[{d}, h, h, 1]"
            shape = f"{shape} reps 1 -> {a.reps}" if kind == "qkan-ext" else shape
            print(f"| {name} | {kind} | {shape} | {params} | {statistics.median(rmse):.2e} "
                  f"({', '.join(f'{r:.1e}' for r in rmse)}) | {statistics.median(secs):.1f} |", flush=True)


if __name__ == "__main__":
    main()
