#!/usr/bin/python3
"""PyTorch reference for step 04: LoRA parity fixture.

A tiny GPT with fixed random base weights gets a LoRA adapter on every block's
attn.c_attn, attn.c_proj, mlp.c_fc and mlp.c_proj (rank r = 4, alpha = 8, dropout 0):

    out = x W + b + (alpha / r) (x A) B        W (C_in, C_out), A (C_in, r), B (r, C_out)

A and B are both random (B non-zero, so the update changes the logits). One padded batch
runs through it; the loss is the causal language-model loss (each position predicts the
next token). The base is frozen, so only the 16 A and B matrices get gradients. The
script writes fixtures/lora_gpt.safetensors with

    <name>              every base parameter under its tinygpt name (F32)
    <layer>.lora_A      (C_in, r), <layer>.lora_B (r, C_out), tinygpt's layout (F32)
    input_ids, mask     (B, T) the batch; mask 1 at real tokens, 0 at padding (I64)
    targets             (B, T) the next token, -1 where a position has none (I64)
    logits (B, T, V), loss ()                      (F32)
    grad.<layer>.lora_A, grad.<layer>.lora_B       the only gradients there are (F32)
    merged.<layer>.weight   W + (alpha / r) A B of MERGED_LAYER (F32)
    merged.logits       (B, T, V) the GPT with every layer's update merged into W (F32)

Truth is computed in float64 from the stored float32 values and rounded to float32 for
storage, as in steps/02-transformer/reference/parity.py, whose safetensors writer, ops and
GPT parameters this script reuses. The C++ test is steps/04-finetuning/tests/
lora_parity_test.cpp.

Usage:
    python3 steps/04-finetuning/reference/lora_parity.py            # write the fixture
    python3 steps/04-finetuning/reference/lora_parity.py --check    # regenerate and compare
    python3 steps/04-finetuning/reference/lora_parity.py --out DIR  # write elsewhere
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "02-transformer", "reference"))
import parity  # noqa: E402  (step 02's reference: safetensors I/O, ops, GPT parameters)

GENERATOR = "steps/04-finetuning/reference/lora_parity.py"
PRECISION = "float64 reference, stored float32"
DEFAULT_OUT = os.path.join(HERE, "fixtures")
FIXTURE = "lora_gpt"
SEED = 41

# The model: vocabulary, context, width, layers, heads (the GPT of lora_test.cpp's size).
CONFIG = {"family": "gpt", "vocab_size": 32, "context_length": 16, "width": 16, "layers": 2,
          "heads": 2, "dropout": 0.0, "bias": True, "positions": "learned"}
# LoRA's settings (tune::LoraSettings): rank, alpha, dropout, targets.
RANK, ALPHA = 4, 8.0
SCALE = ALPHA / RANK
TARGETS = ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"]
# Standard deviations of A and B: both random, so that the update is of the size of the
# base layer's output and every gradient path through it is exercised.
STD_A, STD_B = 0.2, 0.1
# The batch: B sequences of T tokens; sequence 1 has 5 real tokens, then padding.
B, T, T_REAL = 2, 7, [7, 5]
# The one layer whose merged weight is stored.
MERGED_LAYER = "h.1.mlp.c_fc"


def lora_layers():
    """The adapted layers in the model's order, e.g. "h.0.attn.c_attn" (as tune::Lora)."""
    return [f"h.{i}.{target}" for i in range(CONFIG["layers"]) for target in TARGETS]


def build_lora(base):
    """A (C_in, r) N(0, 0.2^2) and B (r, C_out) N(0, 0.1^2) for every layer, float32."""
    adapter = {}
    for layer in lora_layers():
        c_in, c_out = base[layer + ".weight"].shape
        adapter[layer + ".lora_A"] = parity.draw((c_in, RANK), STD_A)
        adapter[layer + ".lora_B"] = parity.draw((RANK, c_out), STD_B)
    return adapter


def make_batch():
    """input_ids and mask (B, T), sequence 1 right-padded; targets = the next real token,
    parity.IGNORE (-1) at the last real position and at padding."""
    mask = parity.padding_mask(T, T_REAL)
    ids = parity.random_ids(mask, CONFIG["vocab_size"])
    targets = torch.full_like(ids, parity.IGNORE)
    for b, n in enumerate(T_REAL):
        targets[b, :n - 1] = ids[b, 1:n]
    return {"input_ids": ids, "mask": mask, "targets": targets}


# ---------------------------------------------------------------------------------------
# The GPT of parity.forward_gpt with LoRA on its linear layers (p holds base and adapter).

def linear(x, p, name):
    """x W + b, plus (alpha / r) (x A) B when the layer has an adapter (dropout 0)."""
    y = parity.linear(x, p, name)
    if name + ".lora_A" in p:
        y = y + SCALE * ((x @ p[name + ".lora_A"]) @ p[name + ".lora_B"])
    return y


def block(x, p, name, visible):
    """Pre-LN GPT-2 block: x + c_proj(attn(ln_1(x))), then x + c_proj(gelu(c_fc(ln_2(x))))."""
    qkv = linear(parity.layernorm(x, p, name + ".ln_1"), p, name + ".attn.c_attn")
    q, k, v = qkv.split(x.shape[-1], dim=-1)
    x = x + linear(parity.attention(q, k, v, CONFIG["heads"], visible), p, name + ".attn.c_proj")
    h = parity.gelu(linear(parity.layernorm(x, p, name + ".ln_2"), p, name + ".mlp.c_fc"))
    return x + linear(h, p, name + ".mlp.c_proj")


def forward(p, batch):
    """Logits (B, T, V) and the mean cross-entropy over targets != -1."""
    ids, mask = batch["input_ids"], batch["mask"].bool()
    visible = parity.causal_visible(ids.shape[1])[None, :, :] & mask[:, None, :]
    x = parity.embed(p, CONFIG, ids)
    for i in range(CONFIG["layers"]):
        x = block(x, p, f"h.{i}", visible)
    logits = parity.layernorm(x, p, "ln_f") @ p["wte.weight"].T
    return logits, parity.cross_entropy(logits, batch["targets"])


def run(base32, adapter32, batch, dtype):
    """Forward and backward in dtype with the base frozen: (logits, loss, grads of A, B)."""
    base = {name: t.to(dtype) for name, t in base32.items()}           # no requires_grad
    adapter = {name: t.to(dtype).detach().requires_grad_(True)
               for name, t in adapter32.items()}
    logits, loss = forward({**base, **adapter}, batch)
    loss.backward()
    # The base is frozen: autograd computed nothing for it.
    assert all(t.grad is None and not t.requires_grad for t in base.values())
    grads = {name: t.grad for name, t in adapter.items()}
    return logits.detach(), loss.detach(), grads


def merged_weights(base32, adapter32, dtype):
    """Every adapted W replaced by W + (alpha / r) A B, in dtype (tune::Lora::merge)."""
    p = {name: t.to(dtype) for name, t in base32.items()}
    for layer in lora_layers():
        a, b = adapter32[layer + ".lora_A"].to(dtype), adapter32[layer + ".lora_B"].to(dtype)
        p[layer + ".weight"] = p[layer + ".weight"] + SCALE * (a @ b)
    return p


# ---------------------------------------------------------------------------------------

def make_fixture():
    """Build, run and check the fixture. Returns (tensors, metadata, report)."""
    torch.manual_seed(SEED)
    base = parity.build_gpt(CONFIG)
    adapter = build_lora(base)
    batch = make_batch()
    logits64, loss64, grads64 = run(base, adapter, batch, torch.float64)

    # Self-checks. float32 agrees with the float64 truth.
    logits32, loss32, grads32 = run(base, adapter, batch, torch.float32)
    worst32 = max([parity.relative_error(logits32, logits64),
                   parity.relative_error(loss32, loss64)] +
                  [parity.relative_error(grads32[k], grads64[k]) for k in grads64])
    assert worst32 < 1e-4, f"float32 and float64 differ by {worst32:.2e}"
    # The update matters: the base alone gives clearly other logits.
    with torch.no_grad():
        base_logits, _ = forward({k: t.double() for k, t in base.items()}, batch)
    effect = parity.relative_error(base_logits, logits64)
    assert effect > 0.1, f"the adapter barely changes the logits ({effect:.2e})"
    # Every A and B has a gradient that is not zero.
    for name, g in grads64.items():
        assert g.abs().max() > 0, f"{name}: zero gradient"
    # Merging all layers gives the adapter's logits (float64, so only rounding differs).
    with torch.no_grad():
        merged = merged_weights(base, adapter, torch.float64)
        merged_logits, _ = forward(merged, batch)
    merge_error = parity.relative_error(merged_logits, logits64)
    assert merge_error < 1e-12, f"merged logits differ by {merge_error:.2e}"
    # Padding does not leak into real positions, and the future does not reach the past.
    with torch.no_grad():
        p64 = {k: t.double() for k, t in {**base, **adapter}.items()}

        def logits_with(b, t):
            """The logits with the ids of sequence b at positions t changed."""
            ids = batch["input_ids"].clone()
            ids[b, t] = 1 + ids[b, t] % (CONFIG["vocab_size"] - 1)
            return forward(p64, {**batch, "input_ids": ids})[0]

        moved = logits_with(1, slice(T_REAL[1], T))
        assert (moved[:, :T_REAL[1]] - logits64[:, :T_REAL[1]]).abs().max() < 1e-12, \
            "padding leaks"
        assert (moved[0] - logits64[0]).abs().max() < 1e-12, "the batch leaks"
        moved = logits_with(0, 4)
        assert (moved[0, :4] - logits64[0, :4]).abs().max() < 1e-12, "the future leaks"
        assert (moved[0, 4:] - logits64[0, 4:]).abs().max() > 1e-6, "a token has no effect"

    tensors = {}
    for name, t in base.items():
        tensors[name] = t.numpy()
    for name, t in adapter.items():
        tensors[name] = t.numpy()
    for name, t in batch.items():
        tensors[name] = t.numpy()
    tensors["logits"] = logits64.float().numpy()
    tensors["loss"] = loss64.float().numpy()
    for name, g in grads64.items():
        tensors["grad." + name] = g.float().numpy()
    tensors[f"merged.{MERGED_LAYER}.weight"] = merged[MERGED_LAYER + ".weight"].float().numpy()
    tensors["merged.logits"] = merged_logits.float().numpy()
    metadata = {"config": json.dumps(CONFIG), "lora_rank": str(RANK),
                "lora_alpha": str(ALPHA), "lora_dropout": "0.0",
                "lora_targets": ",".join(TARGETS), "merged_layer": MERGED_LAYER,
                "generator": GENERATOR, "torch": torch.__version__, "precision": PRECISION}
    report = (f"loss {loss64.item():.6f}, adapter moves logits by {effect:.2f} of their "
              f"largest, float32 vs float64 {worst32:.1e}")
    return tensors, metadata, report


def write_fixture(out_dir):
    """Write fixtures/lora_gpt.safetensors into out_dir; returns its path."""
    os.makedirs(out_dir, exist_ok=True)
    tensors, metadata, report = make_fixture()
    path = os.path.join(out_dir, FIXTURE + ".safetensors")
    parity.write_safetensors(path, tensors, metadata)
    back, back_meta = parity.read_safetensors(path)
    assert back_meta == metadata and list(back) == list(tensors)
    assert all(np.array_equal(back[k], tensors[k]) for k in tensors)
    print(f"{FIXTURE}: {len(tensors)} tensors, {os.path.getsize(path)} bytes, {report}")
    return path


def check_committed(out_dir):
    """Regenerate into a temporary folder and compare with out_dir byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_fixture(tmp)
        committed = os.path.join(out_dir, os.path.basename(path))
        if not os.path.exists(committed):
            print(f"MISSING {committed}")
            return False
        with open(path, "rb") as a, open(committed, "rb") as b:
            if a.read() == b.read():
                print(f"same    {committed}")
                return True
        print(f"DIFFERS {committed}")
        parity.describe_difference(path, committed)
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="fixture folder (default: fixtures/ beside this script)")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare with --out")
    args = parser.parse_args()
    # One thread and deterministic kernels: the same bytes on every run.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if args.check:
        if not check_committed(args.out):
            print("the fixture differs from what the script writes")
            return 1
        print("the fixture matches the script")
        return 0
    write_fixture(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
