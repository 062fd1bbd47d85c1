#!/usr/bin/python3
"""One GPT training step in PyTorch: the peer of bench_train_step.cpp.

The same model as tinygpt's Gpt (GPT-2's architecture: learned positions, pre-LN blocks,
GELU with the tanh approximation, LM head tied to the token embeddings, no dropout), the
same step (zero the gradients, forward, cross-entropy, backward, torch.optim.AdamW with
weight decay on the linear layers' matrices only), float32, 2 threads. Warm-up steps, then
the median of the timed ones. With --precision bf16, forward and loss run under
torch.autocast("cpu", dtype=torch.bfloat16), PyTorch's mixed precision: its products take
bf16 operands, the weights and AdamW's state stay float32.

Prints one JSON object: ms_per_step, tokens_per_s, peak_rss_MB (this process, the Python
interpreter and torch included), the time of every timed step, and the settings.

Usage (Debian's python3-torch):
    /usr/bin/python3 steps/03-pretraining/bench/pytorch_train_step.py --config small
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

# name: (vocabulary, context length of the position table, layers, heads, width, batch, T)
CONFIGS = {
    "small": (4096, 128, 4, 4, 256, 8, 128),
    "gpt2": (50257, 1024, 12, 12, 768, 4, 64),
}


class Block(nn.Module):
    """x = x + attn(ln_1(x)) c_proj; x = x + gelu(ln_2(x) c_fc) c_proj."""

    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width)
        self.attn_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)
        causal = torch.tril(torch.ones(context, context, dtype=torch.bool))
        self.register_buffer("causal", causal, persistent=False)

    def attention(self, x):
        batch, time_, width = x.shape
        head_dim = width // self.heads
        # (B, T, 3C) -> three (B, H, T, D)
        q, k, v = self.c_attn(x).split(width, dim=2)
        q, k, v = (t.view(batch, time_, self.heads, head_dim).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(head_dim)
        scores = scores.masked_fill(~self.causal[:time_, :time_], float("-inf"))
        out = F.softmax(scores, dim=-1) @ v
        return out.transpose(1, 2).contiguous().view(batch, time_, width)

    def forward(self, x):
        x = x + self.attn_proj(self.attention(self.ln_1(x)))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, context, layers, heads, width):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.h = nn.ModuleList(Block(width, heads, context) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        for name, parameter in self.named_parameters():
            if parameter.dim() == 2:
                nn.init.normal_(parameter, std=0.02)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1])
        x = self.wte(ids) + self.wpe(positions)
        for block in self.h:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)  # the head tied to wte


def adamw(model):
    """torch.optim.AdamW, decaying what tinygpt decays: the linear layers' matrices."""
    decayed, other = [], []
    for name, parameter in model.named_parameters():
        is_matrix = parameter.dim() == 2 and not name.startswith(("wte", "wpe"))
        (decayed if is_matrix else other).append(parameter)
    groups = [{"params": decayed, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=6e-4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), required=True)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--steps", type=int, default=7, help="timed steps (the median counts)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["float32", "bf16"], default="float32")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    vocab, context, layers, heads, width, batch, time_ = CONFIGS[args.config]
    model = Gpt(vocab, context, layers, heads, width)
    optimizer = adamw(model)
    inputs = torch.randint(vocab, (batch, time_))
    targets = torch.randint(vocab, (batch, time_))

    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16")

    def step():
        optimizer.zero_grad()
        with autocast:
            logits = model(inputs)
            loss = F.cross_entropy(logits.view(-1, vocab), targets.view(-1))
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    seconds = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - start)
    middle = statistics.median(seconds)
    result = {
        "config": args.config,
        "precision": args.precision,
        "ms_per_step": middle * 1e3,
        "tokens_per_s": batch * time_ / middle,
        "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "steps_ms": [s * 1e3 for s in seconds],
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
