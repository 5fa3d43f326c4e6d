#!/usr/bin/env python3
"""Plots of a tangle run directory: loss.png, accuracy.png, confusion.png, circuit.png for a
training run; energy.png (energy per iteration, the exact ground energy drawn) for a VQE run.

Usage: plot_run.py RUN_DIR. Exits non-zero with a one-line reason on the last line of stderr
when plotting is impossible (e.g. matplotlib is missing); training does not depend on it.
"""
import json
import os
import sys


def plot_vqe(run_dir, rows, plt):
    with open(os.path.join(run_dir, "summary.json")) as f:
        summary = json.load(f)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.plot([r["iteration"] for r in rows], [r["energy"] for r in rows], lw=1.2, label="energy")
    if summary.get("exact_energy") is not None:
        ax.axhline(summary["exact_energy"], color="k", ls="--", lw=1, label="exact ground energy")
    if summary.get("mitigated_energy") is not None:
        ax.axhline(summary["mitigated_energy"], color="tab:green", ls=":", lw=1.2, label="mitigated (final)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("energy")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(run_dir, "energy.png"))
    plt.close(fig)
    return 0


def main(run_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed for " + sys.executable, file=sys.stderr)
        return 3

    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        lines = f.read().split("\n")
    # The last element is "" after a final newline; without one it is a line a killed writer left
    # incomplete, which is skipped.
    rows = [json.loads(line) for line in lines[:-1] if line.strip()]
    with open(os.path.join(run_dir, "config.json")) as f:
        config = json.load(f)
    if config.get("command") == "vqe":
        return plot_vqe(run_dir, rows, plt)
    epochs = [r["epoch"] for r in rows]

    for name, keys, label in (("loss", ("train_loss", "val_loss"), "loss"),
                              ("accuracy", ("train_accuracy", "val_accuracy"), "accuracy")):
        fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
        for key in keys:
            ax.plot(epochs, [r[key] for r in rows], marker="o", ms=3, label=key.split("_")[0])
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(run_dir, name + ".png"))
        plt.close(fig)

    summary_path = os.path.join(run_dir, "summary.json")
    if os.path.exists(summary_path):
        with open(summary_path) as f:
            summary = json.load(f)
        matrix = summary["confusion"]
        names = summary["class_names"]
        k = len(names)
        fig, ax = plt.subplots(figsize=(1.0 + 0.5 * k, 0.8 + 0.5 * k), dpi=120)
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(k), names)
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        peak = max(max(row) for row in matrix) or 1
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(matrix[i][j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i][j] > 0.6 * peak else "black")
        ax.set_title("test accuracy %.2f %%" % (100.0 * summary["test_accuracy"]))
        fig.tight_layout()
        fig.savefig(os.path.join(run_dir, "confusion.png"))
        plt.close(fig)

    circuit_path = os.path.join(run_dir, "circuit.txt")
    if os.path.exists(circuit_path):
        with open(circuit_path) as f:
            lines = f.read().rstrip("\n").split("\n")
        width = max(len(line) for line in lines)
        fig = plt.figure(figsize=(min(0.075 * width + 0.5, 60), 0.22 * len(lines) + 0.4), dpi=100)
        fig.text(0.01, 0.5, "\n".join(lines), family="DejaVu Sans Mono", fontsize=8, va="center")
        fig.savefig(os.path.join(run_dir, "circuit.png"))
        plt.close(fig)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: plot_run.py RUN_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
