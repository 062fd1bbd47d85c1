#!/usr/bin/python3
"""PyTorch reference for step 04: soft prompt and prefix tuning parity fixture.

The tiny GPT of lora_parity.py (same config, seed and so the same frozen base weights) is
steered by virtual tokens, written here the standard way (as Hugging Face PEFT runs them on
GPT-2), not the way tinygpt implements them:

- Soft prompt, n = 3: a prompt P (n, C) goes in front of every sequence's token
  embeddings; the model reads [P ; wte[ids]] with positions 0 .. n+T-1 added to all n+T
  rows, the padding mask counts the n rows as real, and the logits kept are the text's
  (B, T, V). Only P gets a gradient.
- Prefix tuning, n = 2, through the reparameterisation MLP of hidden width h = 8:

      K_l | V_l = tanh(E W1 + b1) W2_l + b2_l      (n, 2C): keys, then values

  with E (n, C), W1 (C, h), b1 (h), W2_l (h, 2C), b2_l (2C). Every layer's attention puts
  the prefix keys and values in front of the text's (PEFT's past_key_values; the heads
  split the C columns of each as GPT-2 does): every text query sees the n prefix keys and
  the causal, unpadded text keys, and the text takes positions n .. n+T-1 (as GPT-2 with a
  past of length n). tinygpt instead carries n placeholder rows through the stream and
  replaces their keys and values in every layer; the C++ test shows the two agree. E, W1,
  b1 and every W2_l, b2_l get gradients.

One padded batch (sequence 1 has 5 real tokens, then padding) runs through each; the loss
is the causal language-model loss on the text tokens. The script writes
fixtures/prompt_gpt.safetensors with

    <name>                       every base parameter under its tinygpt name (F32)
    prompt_embeddings            (n, C) the soft prompt P (F32)
    prefix.embedding             (n, C) E (F32)
    prefix.mlp.0.weight, .bias   (C, h) W1, (h) b1 (F32)
    prefix.mlp.2.h.<l>.weight    (h, 2C) W2_l, .bias (2C) b2_l (F32)
    prefix.h.<l>.key_values      (n, 2C) the folded prefix K_l | V_l, what a prefix
                                 without the MLP holds (F32)
    input_ids, mask              (B, T) the batch; mask 1 at real tokens, 0 at padding (I64)
    targets                      (B, T) the next token, -1 where a position has none (I64)
    soft_prompt.logits (B, T, V), soft_prompt.loss ()        (F32)
    prefix_tuning.logits (B, T, V), prefix_tuning.loss ()    (F32)
    grad.prompt_embeddings, grad.prefix.<...>   the only gradients there are (F32)

Parameter names and layouts are tinygpt's (tune::SoftPrompt, tune::Prefix; linear weights
(C_in, C_out)), so the C++ test copies values in by name. Truth is computed in float64
from the stored float32 values and rounded to float32 for storage, as in
steps/02-transformer/reference/parity.py, whose safetensors writer and ops this script
reuses. The C++ test is steps/04-finetuning/tests/prompt_parity_test.cpp.

Usage:
    python3 steps/04-finetuning/reference/prompt_parity.py            # write the fixture
    python3 steps/04-finetuning/reference/prompt_parity.py --check    # regenerate and compare
    python3 steps/04-finetuning/reference/prompt_parity.py --out DIR  # write elsewhere
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

import lora_parity  # this folder's LoRA reference: its GPT, batch and (via it) parity.py
from lora_parity import parity

GENERATOR = "steps/04-finetuning/reference/prompt_parity.py"
PRECISION = "float64 reference, stored float32"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
FIXTURE = "prompt_gpt"
# lora_parity.py's model and seed: the base weights are the LoRA fixture's.
CONFIG, SEED = lora_parity.CONFIG, lora_parity.SEED
C, L, HEADS = CONFIG["width"], CONFIG["layers"], CONFIG["heads"]
# Its batch: sequence 1 has T_REAL[1] real tokens, then padding.
T_REAL = lora_parity.T_REAL
# Virtual tokens of each method, and the width of the prefix's hidden layer (PEFT's
# num_virtual_tokens and encoder_hidden_size).
SOFT_TOKENS = 3
PREFIX_TOKENS, PREFIX_HIDDEN = 2, 8
# Standard deviations of the adapters' values: P at the scale of the token embeddings
# (parity.STD_EMBEDDING); E W1 of about unit size, so tanh is neither linear nor saturated;
# W2 giving prefix keys and values of the size of the text's (standard deviation 0.8-1).
STD_PROMPT, STD_E, STD_W1, STD_W2, STD_BIAS = parity.STD_EMBEDDING, 1.0, 0.25, 0.4, 0.1


def build_adapters():
    """P, then E, W1, b1 and W2_l, b2_l per layer: random float32, under tinygpt's names."""
    adapters = {"soft_prompt": {"prompt_embeddings": parity.draw((SOFT_TOKENS, C), STD_PROMPT)}}
    prefix = {"prefix.embedding": parity.draw((PREFIX_TOKENS, C), STD_E),
              "prefix.mlp.0.weight": parity.draw((C, PREFIX_HIDDEN), STD_W1),
              "prefix.mlp.0.bias": parity.draw((PREFIX_HIDDEN,), STD_BIAS)}
    for layer in range(L):
        prefix[f"prefix.mlp.2.h.{layer}.weight"] = parity.draw((PREFIX_HIDDEN, 2 * C), STD_W2)
        prefix[f"prefix.mlp.2.h.{layer}.bias"] = parity.draw((2 * C,), STD_BIAS)
    adapters["prefix_tuning"] = prefix
    return adapters


# ---------------------------------------------------------------------------------------
# The two methods on parity.py's GPT. p holds base and adapter; batch as lora_parity's.

def lm_head(x, p, batch):
    """Logits (B, T, V) of the text's final hidden rows and their mean cross-entropy."""
    logits = parity.layernorm(x, p, "ln_f") @ p["wte.weight"].T
    return logits, parity.cross_entropy(logits, batch["targets"])


def forward_soft_prompt(p, batch):
    """The GPT reading [P ; wte[ids]] + wpe[0 .. n+T-1]; the text's logits and loss."""
    ids, mask = batch["input_ids"], batch["mask"].bool()
    b, t = ids.shape
    prompt = p["prompt_embeddings"]
    n = prompt.shape[0]
    x = torch.cat([prompt.expand(b, n, C), p["wte.weight"][ids]], dim=1)      # (B, n+T, C)
    x = x + p["wpe.weight"][:n + t]
    # The virtual rows are real tokens for the padding mask.
    keep = torch.cat([torch.ones(b, n, dtype=torch.bool), mask], dim=1)       # (B, n+T)
    visible = parity.causal_visible(n + t)[None, :, :] & keep[:, None, :]
    for i in range(L):
        x = parity.encoder_block(x, p, f"h.{i}", HEADS, visible)
    return lm_head(x[:, n:], p, batch)


def prefix_key_values(p):
    """K_l | V_l = tanh(E W1 + b1) W2_l + b2_l, (n, 2C) for every layer l."""
    hidden = torch.tanh(parity.linear(p["prefix.embedding"], p, "prefix.mlp.0"))  # (n, h)
    return [parity.linear(hidden, p, f"prefix.mlp.2.h.{l}") for l in range(L)]


def prefix_block(x, p, name, key_values, visible):
    """GPT-2's block whose attention reads the prefix's keys and values before the text's."""
    qkv = parity.linear(parity.layernorm(x, p, name + ".ln_1"), p, name + ".attn.c_attn")
    q, k, v = qkv.split(C, dim=-1)                                            # (B, T, C) each
    prefix_k, prefix_v = key_values.split(C, dim=-1)                          # (n, C) each
    b, n = x.shape[0], key_values.shape[0]
    k = torch.cat([prefix_k.expand(b, n, C), k], dim=1)                       # (B, n+T, C)
    v = torch.cat([prefix_v.expand(b, n, C), v], dim=1)
    attended = parity.attention(q, k, v, HEADS, visible)
    x = x + parity.linear(attended, p, name + ".attn.c_proj")
    return parity.mlp_part(x, p, name, "ln_2")


def forward_prefix(p, batch, key_values=None):
    """The GPT with a prefix of keys and values in every layer (from the MLP unless given:
    the folded ones); the text at positions n .. n+T-1. Logits and loss."""
    if key_values is None:
        key_values = prefix_key_values(p)
    ids, mask = batch["input_ids"], batch["mask"].bool()
    b, t = ids.shape
    n = key_values[0].shape[0]
    x = p["wte.weight"][ids] + p["wpe.weight"][n:n + t]
    # (B, T, n+T): all n prefix keys, then the text's causal keys that are not padding.
    text_visible = parity.causal_visible(t)[None, :, :] & mask[:, None, :]
    visible = torch.cat([torch.ones(b, t, n, dtype=torch.bool), text_visible], dim=2)
    for i in range(L):
        x = prefix_block(x, p, f"h.{i}", key_values[i], visible)
    return lm_head(x, p, batch)


FORWARDS = {"soft_prompt": forward_soft_prompt, "prefix_tuning": forward_prefix}


def run(base32, adapter32, batch, forward, dtype):
    """Forward and backward in dtype, the base frozen: (logits, loss, adapter gradients)."""
    frozen = {name: t.to(dtype) for name, t in base32.items()}  # no requires_grad
    trained = {name: t.to(dtype).detach().requires_grad_(True) for name, t in adapter32.items()}
    logits, loss = forward({**frozen, **trained}, batch)
    # Gradients of the adapter's values only: the base has nothing to differentiate.
    grads = torch.autograd.grad(loss, list(trained.values()))
    return logits.detach(), loss.detach(), dict(zip(trained, grads))


# ---------------------------------------------------------------------------------------
# Self-checks, before anything is written.

def check_method(method, base, adapter, batch, truth):
    """float32 agrees with the float64 truth; the adapter moves the logits; every gradient
    is non-zero; padding and future tokens reach nothing they must not. Returns (float32
    error, the adapter's effect on the logits)."""
    forward = FORWARDS[method]
    logits64, loss64, grads64 = truth
    logits32, loss32, grads32 = run(base, adapter, batch, forward, torch.float32)
    worst32 = max([parity.relative_error(logits32, logits64),
                   parity.relative_error(loss32, loss64)] +
                  [parity.relative_error(grads32[k], grads64[k]) for k in grads64])
    assert worst32 < 1e-4, f"{method}: float32 and float64 differ by {worst32:.2e}"
    for name, g in grads64.items():
        assert g.abs().max() > 0, f"{method}: {name} has a zero gradient"
    p64 = {k: t.double() for k, t in {**base, **adapter}.items()}
    with torch.no_grad():
        base_logits, _ = lora_parity.forward(p64, batch)  # the GPT alone (p has no lora_A)
        effect = parity.relative_error(base_logits, logits64)
        assert effect > 0.1, f"{method}: the adapter barely changes the logits ({effect:.2e})"

        def moved(b, t):
            """How far the logits move when the ids of sequence b at positions t change."""
            ids = batch["input_ids"].clone()
            ids[b, t] = 1 + ids[b, t] % (CONFIG["vocab_size"] - 1)
            return (forward(p64, {**batch, "input_ids": ids})[0] - logits64).abs()

        real = T_REAL[1]
        padding = moved(1, slice(real, None))
        assert padding[0].max() < 1e-12 and padding[1, :real].max() < 1e-12, \
            f"{method}: padding leaks"
        future = moved(0, 4)
        assert future[0, :4].max() < 1e-12, f"{method}: the future leaks"
        assert future[0, 4:].max() > 1e-6, f"{method}: a token has no effect"
        assert future[1].max() < 1e-12, f"{method}: the batch leaks"
    return worst32, effect


def make_fixture():
    """Build, run and check the fixture. Returns (tensors, metadata, report)."""
    # One thread and deterministic kernels: the same bytes on every run.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    base = parity.build_gpt(CONFIG)
    adapters = build_adapters()
    batch = lora_parity.make_batch()

    tensors = {name: t.numpy() for name, t in base.items()}
    outputs, gradients, report = {}, {}, []
    for method, adapter in adapters.items():
        truth = run(base, adapter, batch, FORWARDS[method], torch.float64)
        worst32, effect = check_method(method, base, adapter, batch, truth)
        logits, loss, grads = truth
        tensors.update({name: t.numpy() for name, t in adapter.items()})
        outputs[method + ".logits"] = logits.float().numpy()
        outputs[method + ".loss"] = loss.float().numpy()
        gradients.update({"grad." + name: g.float().numpy() for name, g in grads.items()})
        report.append(f"{method} loss {loss.item():.6f}, moves logits by {effect:.2f}, "
                      f"float32 vs float64 {worst32:.1e}")

    # The prefixes folded out of the MLP, rounded to float32, give the MLP's logits: they
    # differ by that rounding alone.
    p64 = {k: t.double() for k, t in {**base, **adapters["prefix_tuning"]}.items()}
    with torch.no_grad():
        folded = [kv.float() for kv in prefix_key_values(p64)]
        folded_logits, _ = forward_prefix(p64, batch, [kv.double() for kv in folded])
    fold_error = parity.relative_error(folded_logits,
                                       torch.from_numpy(outputs["prefix_tuning.logits"]))
    assert fold_error < 1e-6, f"folded prefix logits differ by {fold_error:.2e}"
    for layer, kv in enumerate(folded):
        tensors[f"prefix.h.{layer}.key_values"] = kv.numpy()

    tensors.update({name: t.numpy() for name, t in batch.items()})
    tensors.update(outputs)
    tensors.update(gradients)
    metadata = {"config": json.dumps(CONFIG), "soft_prompt_virtual_tokens": str(SOFT_TOKENS),
                "prefix_virtual_tokens": str(PREFIX_TOKENS),
                "prefix_hidden": str(PREFIX_HIDDEN), "generator": GENERATOR,
                "torch": torch.__version__, "precision": PRECISION}
    return tensors, metadata, "; ".join(report)


def write_fixture(out_dir):
    """Write prompt_gpt.safetensors into out_dir, read it back; returns its path."""
    tensors, metadata, report = make_fixture()
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, FIXTURE + ".safetensors")
    parity.write_safetensors(path, tensors, metadata)
    back, back_meta = parity.read_safetensors(path)
    same = back_meta == metadata and list(back) == list(tensors) and all(
        np.array_equal(back[name], array) for name, array in tensors.items())
    assert same, f"{path} does not read back as written"
    print(f"{FIXTURE}: {len(tensors)} tensors, {os.path.getsize(path)} bytes; {report}")
    return path


def matches_committed(out_dir):
    """Whether a fresh fixture, written to a temporary folder, equals out_dir's byte for
    byte (printing same, DIFFERS with what differs, or MISSING)."""
    committed = os.path.join(out_dir, FIXTURE + ".safetensors")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_fixture(tmp)
        if not os.path.exists(committed):
            verdict = "MISSING"
        else:
            with open(fresh, "rb") as f:
                fresh_bytes = f.read()
            with open(committed, "rb") as f:
                verdict = "same   " if f.read() == fresh_bytes else "DIFFERS"
        print(f"{verdict} {committed}")
        if verdict == "DIFFERS":
            parity.describe_difference(fresh, committed)
    return verdict.strip() == "same"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture folder (default: fixtures/)")
    parser.add_argument("--check", action="store_true", help="compare a fresh fixture with --out's")
    args = parser.parse_args()
    if not args.check:
        write_fixture(args.out)
        return 0
    ok = matches_committed(args.out)
    print("the fixture matches the script" if ok
          else "the fixture differs from what the script writes")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
