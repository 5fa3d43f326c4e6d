#!/usr/bin/env python3
"""The variational quantum classifier of "Evaluating the Performance of Some Local Optimizers for
Variational Quantum Classifiers" on the restaurant-review sentiment set: TF-IDF features (scikit-learn)
reduced to 5 by PCA, a 5-qubit VQC (a ZZ feature map, then EfficientSU2), trained with COBYLA and
AQGD for 100 and 150 epochs (optimizer iterations over the whole training set), beside SVM, random
forest and gradient boosting on the same 5 features. Mean +- std over seeds of the split.

The VQC reads the class as the parity of the measured bits (Qiskit's VQC default): P(liked) =
(1 - <Z0 Z1 Z2 Z3 Z4>) / 2, trained by cross-entropy. AQGD's gradients are the exact adjoint ones
(equal to the analytic parameter-shift values it is defined with, at one circuit pass per epoch
instead of 2 P + 1).

Usage: PYTHONPATH=build/python /usr/bin/python3 examples/restaurant_vqc.py [--data FILE] [--seeds N]
       [--out DIR]
"""
import argparse
import csv
import json
import os
import time

import numpy as np

import tangle as tg
from tangle import algo

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "restaurant-reviews",
                            "Restaurant_Reviews.tsv")


def load(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if rows[0] != ["Review", "Liked"]:
        raise ValueError(f"{path}: expected the header Review<TAB>Liked, got {rows[0]}")
    texts = [r[0] for r in rows[1:]]
    labels = np.array([int(r[1]) for r in rows[1:]])
    return texts, labels


def features(train_texts, test_texts, seed):
    from sklearn.decomposition import PCA
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import MinMaxScaler
    tfidf = TfidfVectorizer(stop_words="english", min_df=2)
    a = tfidf.fit_transform(train_texts).toarray()
    b = tfidf.transform(test_texts).toarray()
    pca = PCA(n_components=5, random_state=seed)
    a, b = pca.fit_transform(a), pca.transform(b)
    scale = MinMaxScaler((0.0, np.pi)).fit(a)  # angles; fitted on the training split only
    return scale.transform(a), np.clip(scale.transform(b), 0.0, np.pi)


def vqc_circuit(reps=3):
    """Qiskit's ZZFeatureMap (2 reps, full entanglement) on 5 inputs, then EfficientSU2."""
    n = 5
    c = tg.Circuit(n)
    x = c.inputs(n)
    for _ in range(2):
        for q in range(n):
            c.h(q)
            c.phase_shift(2.0 * x[q], q)
        for i in range(n):
            for j in range(i + 1, n):
                # exp(-i (pi - x_i)(pi - x_j) Z_i Z_j): CNOT, P(2 (pi - x_i)(pi - x_j)), CNOT
                c.cnot(i, j)
                c.phase_shift(2.0 * (np.pi - x[i]) * (np.pi - x[j]), j)
                c.cnot(i, j)
    w = c.weights(2 * n * (reps + 1))
    c.efficient_su2(w, reps=reps)
    return c


def metrics(y, pred):
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
    return {"accuracy": accuracy_score(y, pred), "precision": precision_score(y, pred, zero_division=0),
            "recall": recall_score(y, pred, zero_division=0), "f1": f1_score(y, pred, zero_division=0)}


def train_vqc(c, xa, ya, method, epochs, seed):
    parity = tg.Z(0) @ tg.Z(1) @ tg.Z(2) @ tg.Z(3) @ tg.Z(4)
    prog = c.program(parity)
    eps = 1e-9

    def loss(w):
        z = tg._tangle.forward(prog, xa, np.asarray(w), tg.RunOptions("f64", 0))[:, 0]
        p1 = np.clip((1.0 - z) / 2.0, eps, 1 - eps)
        return float(-np.mean(ya * np.log(p1) + (1 - ya) * np.log(1 - p1)))

    def loss_and_grad(w):
        w = np.asarray(w)
        z = tg._tangle.forward(prog, xa, w, tg.RunOptions("f64", 0))[:, 0]
        p1 = np.clip((1.0 - z) / 2.0, eps, 1 - eps)
        dl_dp = -(ya / p1 - (1 - ya) / (1 - p1)) / len(ya)
        dw, _ = c.vjp(parity, xa, w, cotangent=-0.5 * dl_dp)
        return float(-np.mean(ya * np.log(p1) + (1 - ya) * np.log(1 - p1))), dw

    w0 = c.initial_weights(seed)
    if method == "cobyla":
        r = algo.minimize(loss, w0, method="cobyla", max_iterations=epochs, tolerance=0.0, step=0.5)
    else:
        r = algo.minimize(loss, w0, method="aqgd", jac=loss_and_grad, max_iterations=epochs, step=1.0,
                          momentum=0.25, tolerance=1e-6)
    return r


def predict(c, w, x):
    parity = tg.Z(0) @ tg.Z(1) @ tg.Z(2) @ tg.Z(3) @ tg.Z(4)
    z = c.expval(parity, x, w)
    return ((1.0 - z) / 2.0 > 0.5).astype(int)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default="runs/restaurant_vqc")
    ap.add_argument("--epochs", default="100,150", help="the VQC's optimizer iterations, comma-separated")
    a = ap.parse_args()
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    texts, labels = load(a.data)
    os.makedirs(a.out, exist_ok=True)
    c = vqc_circuit()
    results = {}
    t0 = time.time()
    for seed in range(a.seeds):
        ta, tb, ya, yb = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=seed)
        xa, xb = features(ta, tb, seed)
        rows = {}
        for name, model in (("svm", SVC(random_state=seed)), ("random_forest", RandomForestClassifier(random_state=seed)),
                            ("gradient_boosting", GradientBoostingClassifier(random_state=seed))):
            rows[name] = metrics(yb, model.fit(xa, ya).predict(xb))
        for method in ("cobyla", "aqgd"):
            for epochs in [int(e) for e in a.epochs.split(",")]:
                r = train_vqc(c, xa, ya, method, epochs, seed)
                m = metrics(yb, predict(c, r["x"], xb))
                m.update(train_loss=r["fun"], evaluations=r["nfev"], gradient_evaluations=r["njev"])
                rows[f"vqc_{method}_{epochs}"] = m
        for k, v in rows.items():
            results.setdefault(k, []).append(v)
        print(f"seed {seed}: " + ", ".join(f"{k} {v['accuracy']:.3f}" for k, v in rows.items()), flush=True)
    summary = {k: {m: (float(np.mean([r[m] for r in v])), float(np.std([r[m] for r in v])))
                   for m in ("accuracy", "precision", "recall", "f1")} for k, v in results.items()}
    with open(os.path.join(a.out, "restaurant_vqc.json"), "w") as f:
        json.dump({"summary": summary, "per_seed": results, "seconds": time.time() - t0}, f, indent=1)
    print(f"{'model':22s} accuracy        precision       recall          F1")
    for k, v in summary.items():
        print(f"{k:22s} " + "  ".join(f"{v[m][0]:.3f} +- {v[m][1]:.3f}" for m in ("accuracy", "precision", "recall", "f1")))
    print(f"{time.time() - t0:.0f} s; wrote {a.out}/restaurant_vqc.json")


if __name__ == "__main__":
    main()
