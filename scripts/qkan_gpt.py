#!/usr/bin/python3
"""A scaled-down reading of the language-model experiment of Jiang et al. (arXiv 2509.14026): a
small character-level GPT whose feed-forward blocks are HQKAN (Linear -> QKAN -> Linear) against
the same GPT with MLP blocks (the usual 4x width, and one of matched parameter count).

    PYTHONPATH=build/python /usr/bin/python3 scripts/qkan_gpt.py [--steps 1500] [--ffn hqkan mlp mlp-small]

Corpus: the review sentences of ../shared/data/restaurant-reviews (about 55,000 characters),
90 % for training and the last 10 % for validation. Prints validation loss (nats per character)
and parameter counts, one Markdown row per model.
"""

import argparse
import math
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

import tangle as tg
from tangle import qkan

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "restaurant-reviews" / "Restaurant_Reviews.tsv"


def corpus(path):
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    text = "\n".join(line.rsplit("\t", 1)[0] for line in lines)
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text], dtype=torch.long)
    cut = int(0.9 * len(ids))
    return ids[:cut], ids[cut:], len(chars)


def ffn(kind, d):
    if kind == "hqkan":
        return tg.HQKAN(d, d, reps=3)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
    # mlp-small: the MLP block with the HQKAN block's parameter count.
    h = qkan.mlp_hidden_for(d, d, 1, qkan.count_parameters(tg.HQKAN(d, d, reps=3)))
    return nn.Sequential(nn.Linear(d, h), nn.GELU(), nn.Linear(h, d))


class Block(nn.Module):
    def __init__(self, d, heads, kind):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ffn = ffn(kind, d)

    def forward(self, x, mask):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.ffn(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, d, heads, layers, block, kind):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.blocks = nn.ModuleList([Block(d, heads, kind) for _ in range(layers)])
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab)
        self.register_buffer("mask", torch.triu(torch.full((block, block), float("-inf")), 1))

    def forward(self, idx):
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t))
        for b in self.blocks:
            x = b(x, self.mask[:t, :t])
        return self.head(self.ln(x))


def batch(data, n, block, g):
    i = torch.randint(len(data) - block - 1, (n,), generator=g)
    x = torch.stack([data[k:k + block] for k in i])
    return x, torch.stack([data[k + 1:k + block + 1] for k in i])


@torch.no_grad()
def val_loss(model, data, block):
    model.eval()
    n = (len(data) - 1) // block
    x = data[:n * block].view(n, block)
    y = data[1:n * block + 1].view(n, block)
    loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item()
    model.train()
    return loss


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--ffn", nargs="+", default=["hqkan", "mlp", "mlp-small"])
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--block", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    train, val, vocab = corpus(DATA)
    print(f"corpus: {len(train)} training, {len(val)} validation characters, vocabulary {vocab}")
    print("| feed-forward | parameters (all) | parameters (feed-forward) | validation loss (nats/char) | steps | seconds |")
    print("|---|---|---|---|---|---|")
    for kind in a.ffn:
        torch.manual_seed(a.seed)
        model = GPT(vocab, a.d, 4, a.layers, a.block, kind)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.steps)
        g = torch.Generator().manual_seed(a.seed)
        t0 = time.time()
        for step in range(a.steps):
            x, y = batch(train, a.batch, a.block, g)
            loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
        secs = time.time() - t0
        n_ffn = sum(qkan.count_parameters(b.ffn) for b in model.blocks)
        print(f"| {kind} | {qkan.count_parameters(model)} | {n_ffn} | {val_loss(model, val, a.block):.4f} | "
              f"{a.steps} | {secs:.0f} |", flush=True)


if __name__ == "__main__":
    main()
