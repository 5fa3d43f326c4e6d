#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets that are generated (IDX, CSV); the text seeds
(QASM, noise models, Hamiltonians, configurations) are kept as files. Rerun after a format change:
    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    path = os.path.join(HERE, "corpus", target, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx_pair(n, rows, cols):
    images = struct.pack(">IIII", 0x803, n, rows, cols) + bytes((i * 37) % 256 for i in range(n * rows * cols))
    labels = struct.pack(">II", 0x801, n) + bytes(i % 3 for i in range(n))
    return images, labels


def idx_input(images, labels):
    return struct.pack("<I", len(images)) + images + labels


for n, r, c in [(3, 4, 4), (1, 1, 1), (5, 2, 3)]:
    images, labels = idx_pair(n, r, c)
    write("idx", f"raw-{n}x{r}x{c}", idx_input(images, labels))
    write("idx", f"gz-{n}x{r}x{c}", idx_input(gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)))

csv_seeds = {
    "plain": (0, "0.1,0.2,1\n0.3,0.4,0\n0.5,0.6,2\n"),
    "counted": (0, "3,2,setosa,versicolor\n5.1,3.5,0\n4.9,3.0,1\n6.2,2.8,1\n"),
    "names": (0, "a,b,c,label\n1,2,3,x\n4,5,6,y\n7,8,9,x\n"),
    "names-label": (1, "label,a,b\n0,1.5,2\n1,3,4\n"),
    "names-features": (3, "b,a,label,z\n1,2,cat,3\n4,5,dog,6\n"),
    "quoted": (1, "\"a\",\"b\",\"label\"\n1,2,\"x\"\n3,4,\"y\"\n"),
}
for name, (flags, text) in csv_seeds.items():
    write("csv", name, bytes([flags]) + text.encode())
write("csv", "gz-names", bytes([1]) + gzip.compress(b"a,b,label\n1,2,0\n3,4,1\n", mtime=0))

# tangle report: config.json, summary.json and metrics.jsonl of one run, NUL-separated.
with open(os.path.join(HERE, "corpus", "run_dir", "hybrid-config.json"), "rb") as f:
    training_config = f.read()
training_summary = (b'{"best_val_accuracy": 0.91, "test_accuracy": 0.9, "test_loss": 0.31, "wall_seconds": 12.5,'
                    b' "parameters": 1234, "epochs": 2, "model": "hybrid", "data": "digits"}')
training_metrics = (b'{"epoch": 1, "train_loss": 1.2, "val_loss": 1.1, "train_accuracy": 0.6, "val_accuracy": 0.7}\n'
                    b'{"epoch": 2, "train_loss": 0.5, "val_loss": 0.6, "train_accuracy": 0.85, "val_accuracy": 0.91}\n')
vqe_config = (b'{"command": "vqe", "ansatz": "ry-rz", "optimizer": "cobyla", "qubits": 4, "model": "h2",'
              b' "hamiltonian": "-1.05 + 0.39 Z0 - 0.39 Z1 + 0.18 X0 X1", "seed": 7}')
vqe_summary = b'{"energy": -1.1, "exact_energy": -1.137, "error": 0.037, "iterations": 3, "seconds": 0.5}'
vqe_metrics = b'{"iteration": 1, "energy": -0.9}\n{"iteration": 2, "energy": -1.05}\n{"iteration": 3, "energy": -1.1}\n'
write("report_runs", "training-finished", b"\0".join([training_config, training_summary, training_metrics]))
write("report_runs", "training-killed", b"\0".join([training_config, b"", training_metrics + b'{"epoch": 3, "tr']))
write("report_runs", "vqe", b"\0".join([vqe_config, vqe_summary, vqe_metrics]))
write("report_runs", "summary-only", b"\0".join([b"", training_summary]))
