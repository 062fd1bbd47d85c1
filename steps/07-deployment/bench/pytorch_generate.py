#!/usr/bin/python3
"""Generation in PyTorch with a hand-written KV cache: the peer of bench_inference.cpp.

The same model as tinygpt's Gpt (GPT-2's architecture: learned positions, pre-LN blocks,
GELU with the tanh approximation, the output layer tied to the token embeddings), random
weights, float32 (or bfloat16 with --dtype bfloat16: weights, activations and cache), 2
threads, torch.inference_mode(). The cache is preallocated, (B, H, P, D)
keys and values per layer, written in place; each decode step attends the new query over
the positions filled so far. Greedy decoding, so that both sides do the same work.

Two runs:
  - one sequence: a prompt of --prompt tokens, then --new tokens. Time to first token is the
    prefill pass plus choosing the first token; decode tokens/s counts the tokens after it;
  - a batch of 16 sequences with prompts of different lengths (left-padded, with a mask,
    as a batch of different lengths is run in PyTorch), --new tokens each, decoded together;
    throughput is all new tokens over the whole run, prefill included.

Prints one JSON object with the figures, the peak resident memory of this process and the
KV-cache bytes per token.

Usage (Debian's python3-torch):
    /usr/bin/python3 steps/07-deployment/bench/pytorch_generate.py --config small
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F
from torch import nn

# name: (vocabulary, context, layers, heads, width, prompt, new tokens)
CONFIGS = {
    "small": (4096, 256, 4, 4, 256, 128, 128),
    "gpt2": (50257, 1024, 12, 12, 768, 128, 256),
}
BATCH = 16


def batch_prompt_lengths(prompt):
    """The batch's prompt lengths: from half the prompt up to the prompt, evenly spread."""
    return [prompt // 2 + (prompt // 2) * i // (BATCH - 1) for i in range(BATCH)]


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width)
        self.attn_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)

    def forward(self, x, cache, start, mask):
        """x (B, T, C) new tokens at positions start .. start + T - 1; cache (K, V) each
        (B, H, P, D); mask (B, 1, T, start + T) of allowed keys."""
        batch, time_, width = x.shape
        head = width // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(width, dim=2)
        shape = (batch, time_, self.heads, head)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        keys, values = cache
        keys[:, :, start:start + time_] = k
        values[:, :, start:start + time_] = v
        k = keys[:, :, :start + time_]
        v = values[:, :, :start + time_]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(head)
        scores = scores.masked_fill(~mask, float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        y = y.transpose(1, 2).reshape(batch, time_, width)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, context, layers, heads, width):
        super().__init__()
        self.context, self.heads, self.width = context, heads, width
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        for p in self.parameters():
            nn.init.normal_(p, std=0.02)

    def new_cache(self, batch):
        shape = (batch, self.heads, self.context, self.width // self.heads)
        dtype = self.wte.weight.dtype
        return [(torch.zeros(shape, dtype=dtype), torch.zeros(shape, dtype=dtype))
                for _ in self.blocks]

    def forward(self, ids, positions, cache, start, key_keep):
        """ids (B, T) at `positions` (B, T); key_keep (B, start + T) marks real tokens."""
        time_ = ids.shape[1]
        x = self.wte(ids) + self.wpe(positions)
        causal = torch.ones(time_, start + time_, dtype=torch.bool).tril(start)
        mask = causal[None, None] & key_keep[:, None, None, :]
        for block, layer_cache in zip(self.blocks, cache):
            x = block(x, layer_cache, start, mask)
        return self.ln_f(x[:, -1]) @ self.wte.weight.T  # the last position's logits


def generate(model, prompts, new_tokens):
    """Greedy generation for prompts (lists of ids), left-padded to one length. Returns the
    seconds to the first tokens and the seconds of the whole run."""
    batch, longest = len(prompts), max(len(p) for p in prompts)
    ids = torch.zeros(batch, longest, dtype=torch.long)
    keep = torch.zeros(batch, longest + new_tokens, dtype=torch.bool)
    positions = torch.zeros(batch, longest, dtype=torch.long)
    for b, prompt in enumerate(prompts):
        pad = longest - len(prompt)
        ids[b, pad:] = torch.tensor(prompt)
        keep[b, pad:] = True
        positions[b, pad:] = torch.arange(len(prompt))
    cache = model.new_cache(batch)
    start = time.perf_counter()
    logits = model(ids, positions, cache, 0, keep[:, :longest])
    token = logits.argmax(dim=-1, keepdim=True)
    first = time.perf_counter()
    next_position = positions[:, -1:] + 1
    for step in range(1, new_tokens):
        filled = longest + step
        logits = model(token, next_position, cache, filled - 1, keep[:, :filled])
        token = logits.argmax(dim=-1, keepdim=True)
        next_position = next_position + 1
    return first - start, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="small")
    parser.add_argument("--new", type=int, help="new tokens (default: the config's)")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    args = parser.parse_args()
    vocab, context, layers, heads, width, prompt, new_tokens = CONFIGS[args.config]
    new_tokens = args.new or new_tokens
    torch.manual_seed(0)
    torch.set_num_threads(2)
    dtype = getattr(torch, args.dtype)
    model = Gpt(vocab, context, layers, heads, width).eval().to(dtype)
    ids = torch.randint(vocab, (prompt,)).tolist()
    with torch.inference_mode():
        generate(model, [ids[:16]], 4)  # warm-up: threads, allocator
        ttft, total = generate(model, [ids], new_tokens)
        lengths = batch_prompt_lengths(prompt)
        _, batch_total = generate(model, [ids[:n] for n in lengths], new_tokens)
    print(json.dumps({
        "config": args.config,
        "prompt": prompt,
        "new_tokens": new_tokens,
        "ttft_ms": ttft * 1e3,
        "prefill_tokens_per_s": prompt / ttft,
        "decode_tokens_per_s": (new_tokens - 1) / (total - ttft),
        "batch16_tokens_per_s": BATCH * new_tokens / batch_total,
        "kv_bytes_per_token": 2 * layers * width * (2 if args.dtype == "bfloat16" else 4),
        "dtype": args.dtype,
        "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
