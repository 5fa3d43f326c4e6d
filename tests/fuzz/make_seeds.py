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
