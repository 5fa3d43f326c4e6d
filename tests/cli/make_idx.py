#!/usr/bin/env python3
"""Writes a small MNIST-style IDX folder (gzip, official file names) of synthetic 28x28 digits:
class c is a bright 6x6 block at a class-specific place plus noise. Usage: make_idx.py DIR."""
import gzip
import os
import random
import struct
import sys


def write(folder, prefix, count, rng):
    images, labels = bytearray(), bytearray()
    for _ in range(count):
        label = rng.randrange(10)
        pixels = [rng.randrange(40) for _ in range(28 * 28)]
        top, left = 3 + 6 * (label // 4), 2 + 6 * (label % 4)
        for r in range(top, top + 6):
            for c in range(left, left + 6):
                pixels[r * 28 + c] = 200 + rng.randrange(56)
        images += bytes(pixels)
        labels.append(label)
    with gzip.open(os.path.join(folder, prefix + "-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, count, 28, 28) + images)
    with gzip.open(os.path.join(folder, prefix + "-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, count) + labels)


if __name__ == "__main__":
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(5)
    write(folder, "train", 400, rng)
    write(folder, "t10k", 100, rng)
