#!/usr/bin/python3
"""PyTorch reference for step 02: parity fixtures for the three model families.

For each model family (gpt, encoder, seq2seq) this script builds a small model with fixed
random weights, runs one padded batch through it, and writes a safetensors file with

    param.<name>   every parameter (F32)
    grad.<name>    the gradient of the loss with respect to that parameter (F32)
    input.<name>   the batch: token ids, masks, targets (I64)
    output.<name>  logits, loss, ... (F32)

The C++ tests of step 02 load these files, run the same model with the same weights and
compare outputs and gradients. The files are committed, so CI needs no Python.

The model is written out plainly with tensors and a dict of parameters (no nn.Module, no
nn.TransformerEncoder), so every line can be checked against the C++ code and the lesson.
Conventions (the same as the C++ side):

    B = batch, T = target/time length, S = source (key) length, C = width, H = heads,
    D = C / H = head size, V = vocabulary, P = context length (rows of wpe).
    Linear layers store W as (C_in, C_out) and compute y = x @ W + b (GPT-2's Conv1D layout).

Truth is computed in float64 from the float32 weights; outputs and gradients are stored as
float32. Running the script again gives byte-identical files (same torch version).

It also writes tests/data/tiny-gpt2/, a tiny Hugging Face GPT-2 folder (config.json, F16
model.safetensors under Hugging Face's names, GPT-2's vocab.json + merges.txt) with the
float64 logits and greedy continuation the C++ side must reproduce (see make_tiny_gpt2).

Usage:
    python3 steps/02-transformer/reference/parity.py            # write the fixtures
    python3 steps/02-transformer/reference/parity.py --check    # regenerate and compare
    python3 steps/02-transformer/reference/parity.py --out DIR  # write elsewhere
                                    # (tiny-gpt2 into DIR/tiny-gpt2 unless --tiny-gpt2 DIR2)

Needs Debian's python3-torch and python3-numpy. Later steps extend this script (step 03
adds AdamW fixtures), so it is a set of small functions: a safetensors writer and reader,
the ops, one builder and one forward per family, and a main.

Step 03 adds fixtures/adamw.safetensors (see make_optimizer_fixture): a few parameters and
fixed random gradients for 3 steps, and what torch.optim.AdamW and torch.optim.SGD (with
momentum) make of them, step by step. Unlike the model fixtures these are torch's own
optimizers run in float32, because float32 is what the C++ optimizers are compared with.
"""
import argparse
import json
import math
import os
import re
import struct
import sys
import tempfile

import numpy as np
import torch

GENERATOR = "steps/02-transformer/reference/parity.py"
PRECISION = "float64 reference, stored float32"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

# Sizes of every fixture: vocabulary, context length, width, heads, layers.
V, P, C, H, L = 67, 16, 32, 4, 2
# The batch: B sequences of T tokens; sequence 1 is right-padded to T.
B, T, T_REAL = 2, 7, [7, 5]
# seq2seq: source length S (sequence 1 has 6 real tokens), target length T as above.
S, S_REAL = 9, [9, 6]
PAD_ID = 0          # id written at padding positions
IGNORE = -1         # target value of positions that take no part in the loss
MLM_PER_SEQUENCE = 3

# Standard deviations of the random weights (non-trivial, so every gradient is tested).
STD_WEIGHT, STD_EMBEDDING, STD_BIAS, STD_LN = 0.2, 0.5, 0.1, 0.1


# ---------------------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, JSON header, raw little-endian data.

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "I64": np.dtype("<i8")}


def write_safetensors(path, tensors, metadata):
    """Write a safetensors file.

    tensors: dict name -> numpy array of dtype float32, float16 or int64 (written in dict
    order, contiguous, row-major, little-endian). metadata: dict str -> str, stored as
    "__metadata__". The JSON header is padded with spaces to a multiple of 8 bytes so
    the data that follows is aligned.
    """
    header = {"__metadata__": dict(metadata)}
    chunks = []
    offset = 0
    for name, array in tensors.items():
        if array.dtype == np.float32:
            dtype = "F32"
        elif array.dtype == np.float16:
            dtype = "F16"
        elif array.dtype == np.int64:
            dtype = "I64"
        else:
            raise TypeError(f"{name}: unsupported dtype {array.dtype}")
        data = np.ascontiguousarray(array, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)


def read_safetensors(path):
    """Read a safetensors file written by write_safetensors.

    Returns (tensors, metadata): dict name -> numpy array, dict str -> str.
    """
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        data = blob[8 + n + begin:8 + n + end]
        tensors[name] = np.frombuffer(data, DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors, metadata


# ---------------------------------------------------------------------------------------
# Ops. Each works in the dtype of its inputs (float64 for the reference, float32 for the
# sanity run). x is (B, T, C) unless said otherwise.

def linear(x, p, name):
    """y = x @ W + b, W (C_in, C_out); no b when the model has bias=false."""
    y = x @ p[name + ".weight"]
    if name + ".bias" in p:
        y = y + p[name + ".bias"]
    return y


def layernorm(x, p, name, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias over the last dim; biased variance."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]


def gelu(x):
    """GPT-2's GELU, the tanh approximation."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def sinusoidal_table(n_positions, width):
    """The fixed table of "Attention Is All You Need", (n_positions, width), float64.

    PE(t, 2i) = sin(t / 10000^(2i/C)), PE(t, 2i+1) = cos(t / 10000^(2i/C)).
    """
    assert width % 2 == 0, "sinusoidal positions need an even width"
    t = np.arange(n_positions, dtype=np.float64)[:, None]
    i2 = np.arange(0, width, 2, dtype=np.float64)[None, :]
    angle = t / np.power(10000.0, i2 / width)
    table = np.zeros((n_positions, width), dtype=np.float64)
    table[:, 0::2] = np.sin(angle)
    table[:, 1::2] = np.cos(angle)
    return table


def positions(p, config, length, dtype):
    """The (length, C) position rows added to the token embeddings."""
    if config["positions"] == "learned":
        return p["wpe.weight"][:length]
    table = sinusoidal_table(length, config["width"])
    return torch.from_numpy(table).to(dtype)


def causal_visible(t):
    """(T, T) bool: key s is visible to query t iff s <= t."""
    return torch.tril(torch.ones(t, t, dtype=torch.bool))


def attention(q, k, v, n_head, visible):
    """Multi-head attention.

    q (B, T, C), k and v (B, S, C); visible (B, T, S) bool, False = masked out.
    Head h owns columns h*D .. h*D+D-1. Returns (B, T, C).
    """
    b, t, c = q.shape
    s = k.shape[1]
    d = c // n_head
    # split heads: (B, T, C) -> (B, H, T, D)
    q = q.view(b, t, n_head, d).transpose(1, 2)
    k = k.view(b, s, n_head, d).transpose(1, 2)
    v = v.view(b, s, n_head, d).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)              # (B, H, T, S)
    scores = scores.masked_fill(~visible[:, None, :, :], float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = probs @ v                                              # (B, H, T, D)
    # merge heads: (B, H, T, D) -> (B, T, C)
    return out.transpose(1, 2).reshape(b, t, c)


def self_attention_part(x, p, name, n_head, visible):
    """x + c_proj(attn(q, k, v)) with q, k, v = column blocks of ln_1(x) @ c_attn."""
    a = layernorm(x, p, name + ".ln_1")
    qkv = linear(a, p, name + ".attn.c_attn")                     # (B, T, 3C)
    q, k, v = qkv.split(x.shape[-1], dim=-1)
    y = attention(q, k, v, n_head, visible)
    return x + linear(y, p, name + ".attn.c_proj")


def mlp_part(x, p, name, ln):
    """x + c_proj(gelu(c_fc(ln(x)))), hidden width 4C."""
    m = layernorm(x, p, name + "." + ln)
    h = gelu(linear(m, p, name + ".mlp.c_fc"))
    return x + linear(h, p, name + ".mlp.c_proj")


def cross_attention_part(y, enc, p, name, n_head, visible):
    """y + c_proj(attn(q, k, v)): q from ln_2(y), k and v from the encoder output."""
    q = linear(layernorm(y, p, name + ".ln_2"), p, name + ".cross.c_q")
    kv = linear(enc, p, name + ".cross.c_kv")                     # (B, S, 2C)
    k, v = kv.split(y.shape[-1], dim=-1)
    out = attention(q, k, v, n_head, visible)
    return y + linear(out, p, name + ".cross.c_proj")


def encoder_block(x, p, name, n_head, visible):
    """Pre-LN block: self-attention then MLP, each with a residual (GPT-2's block)."""
    x = self_attention_part(x, p, name, n_head, visible)
    return mlp_part(x, p, name, "ln_2")


def decoder_block(y, enc, p, name, n_head, self_visible, cross_visible):
    """Pre-LN decoder block: causal self-attention, cross-attention, MLP."""
    y = self_attention_part(y, p, name, n_head, self_visible)
    y = cross_attention_part(y, enc, p, name, n_head, cross_visible)
    return mlp_part(y, p, name, "ln_3")


def cross_entropy(logits, targets):
    """Mean cross-entropy over the positions whose target is not IGNORE."""
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)


# ---------------------------------------------------------------------------------------
# Parameters: drawn in the order the model defines them, in float64 and rounded to float32
# (float64 draws do not depend on the CPU's vector units, float32 ones do).

def draw(shape, std, mean=0.0):
    """N(mean, std^2) values of the given shape, as float32."""
    return (mean + std * torch.randn(shape, dtype=torch.float64)).float()


def add_embedding(p, name, rows, width):
    """An embedding table name.weight (rows, width), N(0, 0.5^2)."""
    p[name + ".weight"] = draw((rows, width), STD_EMBEDDING)


def add_linear(p, name, c_in, c_out, bias):
    """A linear layer: name.weight (c_in, c_out) N(0, 0.2^2), name.bias (c_out) N(0, 0.1^2)."""
    p[name + ".weight"] = draw((c_in, c_out), STD_WEIGHT)
    if bias:
        p[name + ".bias"] = draw((c_out,), STD_BIAS)


def add_layernorm(p, name, width):
    """A LayerNorm: name.weight 1 + N(0, 0.1^2), name.bias N(0, 0.1^2), both (width)."""
    p[name + ".weight"] = draw((width,), STD_LN, mean=1.0)
    p[name + ".bias"] = draw((width,), STD_BIAS)


def add_block(p, name, config, cross):
    """One transformer block; with cross=True a decoder block (cross-attention, ln_3)."""
    c, bias = config["width"], config["bias"]
    add_layernorm(p, name + ".ln_1", c)
    add_linear(p, name + ".attn.c_attn", c, 3 * c, bias)
    add_linear(p, name + ".attn.c_proj", c, c, bias)
    add_layernorm(p, name + ".ln_2", c)
    if cross:
        add_linear(p, name + ".cross.c_q", c, c, bias)
        add_linear(p, name + ".cross.c_kv", c, 2 * c, bias)
        add_linear(p, name + ".cross.c_proj", c, c, bias)
        add_layernorm(p, name + ".ln_3", c)
    add_linear(p, name + ".mlp.c_fc", c, 4 * c, bias)
    add_linear(p, name + ".mlp.c_proj", 4 * c, c, bias)


def add_embeddings(p, config):
    """wte, and wpe when positions are learned."""
    add_embedding(p, "wte", config["vocab_size"], config["width"])
    if config["positions"] == "learned":
        add_embedding(p, "wpe", config["context_length"], config["width"])


def build_gpt(config):
    """GPT-2's parameters (Hugging Face names without "transformer."), float32."""
    p = {}
    add_embeddings(p, config)
    for i in range(config["layers"]):
        add_block(p, f"h.{i}", config, cross=False)
    add_layernorm(p, "ln_f", config["width"])
    return p


def build_encoder(config):
    """BERT-style encoder: GPT's blocks plus token types, an MLM head, pooler and NSP."""
    c, bias = config["width"], config["bias"]
    p = {}
    add_embeddings(p, config)
    add_embedding(p, "wtt", config["type_vocab_size"], c)
    for i in range(config["layers"]):
        add_block(p, f"h.{i}", config, cross=False)
    add_layernorm(p, "ln_f", c)
    add_linear(p, "mlm.dense", c, c, bias)
    add_layernorm(p, "mlm.ln", c)
    if bias:
        p["mlm.bias"] = draw((config["vocab_size"],), STD_BIAS)
    add_linear(p, "pooler", c, c, bias)
    add_linear(p, "nsp", c, 2, bias)
    return p


def build_seq2seq(config):
    """Encoder-decoder: one tied wte for source, target and output."""
    p = {}
    add_embeddings(p, config)
    for i in range(config["layers"]):
        add_block(p, f"encoder.h.{i}", config, cross=False)
    add_layernorm(p, "encoder.ln_f", config["width"])
    for i in range(config["layers"]):
        add_block(p, f"decoder.h.{i}", config, cross=True)
    add_layernorm(p, "decoder.ln_f", config["width"])
    return p


# ---------------------------------------------------------------------------------------
# Forward passes. p: dict name -> tensor (all of one dtype); inputs: dict name -> int64
# tensor. Each returns a dict of outputs that includes "loss".

def embed(p, config, ids):
    """wte[ids] + positions, (B, T, C)."""
    x = p["wte.weight"][ids]
    return x + positions(p, config, ids.shape[1], x.dtype)


def forward_gpt(p, config, inputs):
    """GPT-2: causal + key-padding self-attention, ln_f, tied LM head, mean CE."""
    ids, mask = inputs["ids"], inputs["mask"].bool()
    visible = causal_visible(ids.shape[1])[None, :, :] & mask[:, None, :]   # (B, T, T)
    x = embed(p, config, ids)
    for i in range(config["layers"]):
        x = encoder_block(x, p, f"h.{i}", config["heads"], visible)
    x = layernorm(x, p, "ln_f")
    logits = x @ p["wte.weight"].T                                          # (B, T, V)
    return {"logits": logits, "loss": cross_entropy(logits, inputs["targets"])}


def forward_encoder(p, config, inputs):
    """BERT-style: bidirectional blocks, MLM head, pooler, NSP; loss = MLM CE + NSP CE."""
    ids, mask = inputs["ids"], inputs["mask"].bool()
    visible = mask[:, None, :].expand(-1, ids.shape[1], -1)                  # (B, T, T)
    x = embed(p, config, ids) + p["wtt.weight"][inputs["type_ids"]]
    for i in range(config["layers"]):
        x = encoder_block(x, p, f"h.{i}", config["heads"], visible)
    hidden = layernorm(x, p, "ln_f")
    # MLM head: dense + GELU + LayerNorm, then the tied decoder with its own bias.
    z = layernorm(gelu(linear(hidden, p, "mlm.dense")), p, "mlm.ln")
    mlm_logits = z @ p["wte.weight"].T                                      # (B, T, V)
    if "mlm.bias" in p:
        mlm_logits = mlm_logits + p["mlm.bias"]
    # Pooler on the first token, then the next-sentence classifier.
    pooled = torch.tanh(linear(hidden[:, 0, :], p, "pooler"))               # (B, C)
    nsp_logits = linear(pooled, p, "nsp")                                   # (B, 2)
    loss = (cross_entropy(mlm_logits, inputs["mlm_targets"])
            + cross_entropy(nsp_logits, inputs["nsp_labels"]))
    return {"mlm_logits": mlm_logits, "nsp_logits": nsp_logits, "pooled": pooled,
            "loss": loss}


def forward_seq2seq(p, config, inputs):
    """Encoder-decoder: encoder stack, decoder stack with cross-attention, tied head."""
    src, tgt = inputs["src_ids"], inputs["tgt_ids"]
    src_mask, tgt_mask = inputs["src_mask"].bool(), inputs["tgt_mask"].bool()
    t, s = tgt.shape[1], src.shape[1]
    enc_visible = src_mask[:, None, :].expand(-1, s, -1)                     # (B, S, S)
    self_visible = causal_visible(t)[None, :, :] & tgt_mask[:, None, :]     # (B, T, T)
    cross_visible = src_mask[:, None, :].expand(-1, t, -1)                   # (B, T, S)
    x = embed(p, config, src)
    for i in range(config["layers"]):
        x = encoder_block(x, p, f"encoder.h.{i}", config["heads"], enc_visible)
    enc = layernorm(x, p, "encoder.ln_f")
    y = embed(p, config, tgt)
    for i in range(config["layers"]):
        y = decoder_block(y, enc, p, f"decoder.h.{i}", config["heads"],
                          self_visible, cross_visible)
    y = layernorm(y, p, "decoder.ln_f")
    logits = y @ p["wte.weight"].T                                          # (B, T, V)
    return {"logits": logits, "loss": cross_entropy(logits, inputs["targets"])}


# ---------------------------------------------------------------------------------------
# Batches: ids drawn from 1..V-1 at real positions (0 marks padding), targets IGNORE at
# padding positions.

def padding_mask(n, real):
    """(B, n) int64: 1 at the real positions, 0 at the right padding."""
    return torch.tensor([[1] * r + [0] * (n - r) for r in real], dtype=torch.int64)


def random_ids(mask, vocab_size):
    """Random ids where mask is 1, PAD_ID where it is 0."""
    ids = torch.randint(1, vocab_size, mask.shape, dtype=torch.int64)
    return torch.where(mask.bool(), ids, torch.full_like(ids, PAD_ID))


def random_targets(mask, vocab_size):
    """Random target ids where mask is 1, IGNORE where it is 0."""
    targets = torch.randint(0, vocab_size, mask.shape, dtype=torch.int64)
    return torch.where(mask.bool(), targets, torch.full_like(targets, IGNORE))


def batch_gpt(config):
    """ids, mask, targets: (B, T) with sequence 1 right-padded."""
    mask = padding_mask(T, T_REAL)
    return {"ids": random_ids(mask, config["vocab_size"]), "mask": mask,
            "targets": random_targets(mask, config["vocab_size"])}


def batch_encoder(config):
    """ids, type_ids, mask, MLM targets at 3 real positions per sequence, NSP labels."""
    mask = padding_mask(T, T_REAL)
    ids = random_ids(mask, config["vocab_size"])
    type_ids = torch.tensor([[0] * 3 + [1] * (T - 3)] * B, dtype=torch.int64)
    mlm_targets = torch.full((B, T), IGNORE, dtype=torch.int64)
    for b in range(B):
        where = torch.randperm(T_REAL[b])[:MLM_PER_SEQUENCE]
        mlm_targets[b, where] = torch.randint(0, config["vocab_size"], (MLM_PER_SEQUENCE,))
    return {"ids": ids, "type_ids": type_ids, "mask": mask, "mlm_targets": mlm_targets,
            "nsp_labels": torch.tensor([0, 1], dtype=torch.int64)}


def batch_seq2seq(config):
    """Source (B, S) and target (B, T) ids and masks, and targets for the decoder."""
    src_mask, tgt_mask = padding_mask(S, S_REAL), padding_mask(T, T_REAL)
    return {"src_ids": random_ids(src_mask, config["vocab_size"]), "src_mask": src_mask,
            "tgt_ids": random_ids(tgt_mask, config["vocab_size"]), "tgt_mask": tgt_mask,
            "targets": random_targets(tgt_mask, config["vocab_size"])}


# ---------------------------------------------------------------------------------------
# The fixtures: name -> (seed, config, builder, batch, forward).

def make_config(family, bias=True, positions_kind="learned"):
    """Our JSON config, as a dict in the order the C++ side documents."""
    config = {"family": family, "vocab_size": V, "context_length": P, "width": C,
              "layers": L, "heads": H, "dropout": 0.0, "bias": bias,
              "positions": positions_kind}
    if family == "encoder":
        config["type_vocab_size"] = 2
    return config


FIXTURES = {
    "gpt": (1, make_config("gpt"), build_gpt, batch_gpt, forward_gpt),
    "encoder": (2, make_config("encoder"), build_encoder, batch_encoder, forward_encoder),
    "seq2seq": (3, make_config("seq2seq", positions_kind="sinusoidal"), build_seq2seq,
                batch_seq2seq, forward_seq2seq),
    "gpt_nobias_sinusoidal": (4, make_config("gpt", bias=False,
                                             positions_kind="sinusoidal"),
                              build_gpt, batch_gpt, forward_gpt),
}


def run(params32, config, inputs, forward, dtype):
    """Forward and backward in dtype. Returns (outputs, grads), both dicts of tensors."""
    leaves = {name: t.to(dtype).detach().requires_grad_(True) for name, t in params32.items()}
    outputs = forward(leaves, config, inputs)
    grads = torch.autograd.grad(outputs["loss"], list(leaves.values()), allow_unused=True)
    grads = {name: (g if g is not None else torch.zeros_like(leaves[name]))
             for name, g in zip(leaves, grads)}
    return ({k: v.detach() for k, v in outputs.items()}, grads)


def relative_error(a, b):
    """max |a - b| / max |b| (the tolerance measure of the C++ tests)."""
    a, b = a.double(), b.double()
    scale = b.abs().max().item()
    return (a - b).abs().max().item() / (scale if scale > 0 else 1.0)


# ---------------------------------------------------------------------------------------
# Self-checks, run every time before anything is written.

def check_float32(name, params, config, inputs, forward, outputs64, grads64):
    """The float32 run of the same model agrees with the float64 truth to 1e-4."""
    outputs32, grads32 = run(params, config, inputs, forward, torch.float32)
    worst = 0.0
    for key in outputs64:
        worst = max(worst, relative_error(outputs32[key], outputs64[key]))
    for key in grads64:
        worst = max(worst, relative_error(grads32[key], grads64[key]))
    assert worst < 1e-4, f"{name}: float32 and float64 differ by {worst:.2e}"
    return worst


def check_masks(name, params, config, inputs, forward):
    """Padding tokens and (for gpt) future tokens do not reach the positions they must not."""
    p = {k: v.double() for k, v in params.items()}

    def changed(key, b, positions_to_change):
        """inputs with the ids at (b, positions) replaced by other ids."""
        new = dict(inputs)
        ids = inputs[key].clone()
        for t in positions_to_change:
            ids[b, t] = (ids[b, t] + 1 + t) % config["vocab_size"]
        new[key] = ids
        return new

    def same(a, b):
        return (a - b).abs().max().item() <= 1e-12

    base = forward(p, config, inputs)
    if config["family"] == "gpt":
        # Padding of sequence 1: no real position of either sequence may move.
        other = forward(p, config, changed("ids", 1, range(T_REAL[1], T)))
        assert same(other["logits"][0], base["logits"][0]), f"{name}: padding leaks"
        assert same(other["logits"][1, :T_REAL[1]], base["logits"][1, :T_REAL[1]]), \
            f"{name}: padding leaks"
        # A future token of sequence 0: earlier positions must not move, later ones must.
        other = forward(p, config, changed("ids", 0, [4]))
        assert same(other["logits"][0, :4], base["logits"][0, :4]), f"{name}: causal leak"
        assert not same(other["logits"][0, 4:], base["logits"][0, 4:]), \
            f"{name}: changed token has no effect"
        assert same(other["logits"][1], base["logits"][1]), f"{name}: batch leak"
    elif config["family"] == "encoder":
        other = forward(p, config, changed("ids", 1, range(T_REAL[1], T)))
        for key in ("mlm_logits", "pooled", "nsp_logits"):
            assert same(other[key][0], base[key][0]), f"{name}: padding leaks ({key})"
        assert same(other["mlm_logits"][1, :T_REAL[1]], base["mlm_logits"][1, :T_REAL[1]]), \
            f"{name}: padding leaks"
        assert same(other["pooled"][1], base["pooled"][1]), f"{name}: padding leaks"
        # Bidirectional: a later token does change an earlier position.
        other = forward(p, config, changed("ids", 0, [4]))
        assert not same(other["mlm_logits"][0, :4], base["mlm_logits"][0, :4]), \
            f"{name}: encoder is not bidirectional"
    else:
        # Source padding must not reach the decoder; nor target padding real positions.
        other = forward(p, config, changed("src_ids", 1, range(S_REAL[1], S)))
        assert same(other["logits"], base["logits"]), f"{name}: source padding leaks"
        other = forward(p, config, changed("tgt_ids", 1, range(T_REAL[1], T)))
        assert same(other["logits"][1, :T_REAL[1]], base["logits"][1, :T_REAL[1]]), \
            f"{name}: target padding leaks"
        other = forward(p, config, changed("tgt_ids", 0, [4]))
        assert same(other["logits"][0, :4], base["logits"][0, :4]), f"{name}: causal leak"


def check_tied(name, params, inputs, grads64):
    """wte is one tensor used by the embedding and the output head (no lm_head)."""
    assert "lm_head.weight" not in params, f"{name}: untied head"
    pointers = [t.data_ptr() for t in params.values()]
    assert len(set(pointers)) == len(pointers), f"{name}: parameters share storage"
    # Rows of wte whose id is in no input get a gradient only through the head.
    used = set()
    for key in ("ids", "src_ids", "tgt_ids"):
        if key in inputs:
            used.update(inputs[key].flatten().tolist())
    unused = [i for i in range(params["wte.weight"].shape[0]) if i not in used]
    assert unused and grads64["wte.weight"][unused].abs().min() > 0, \
        f"{name}: output head does not use wte"


# ---------------------------------------------------------------------------------------

def make_fixture(name):
    """Build, run and check one fixture. Returns (tensors, metadata, report)."""
    seed, config, build, batch, forward = FIXTURES[name]
    torch.manual_seed(seed)
    params = build(config)
    inputs = batch(config)
    outputs64, grads64 = run(params, config, inputs, forward, torch.float64)

    worst32 = check_float32(name, params, config, inputs, forward, outputs64, grads64)
    check_masks(name, params, config, inputs, forward)
    check_tied(name, params, inputs, grads64)

    tensors = {}
    for key, t in params.items():
        tensors["param." + key] = t.numpy()
    for key, t in grads64.items():
        tensors["grad." + key] = t.float().numpy()
    for key, t in inputs.items():
        tensors["input." + key] = t.numpy()
    for key, t in outputs64.items():
        tensors["output." + key] = t.float().numpy()
    metadata = {"config": json.dumps(config), "generator": GENERATOR,
                "torch": torch.__version__, "precision": PRECISION}
    report = f"loss {outputs64['loss'].item():.6f}, float32 vs float64 {worst32:.1e}"
    return tensors, metadata, report


def write_all(out_dir):
    """Write every fixture into out_dir; returns the list of file paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name in FIXTURES:
        tensors, metadata, report = make_fixture(name)
        path = os.path.join(out_dir, name + ".safetensors")
        write_safetensors(path, tensors, metadata)
        # Round trip: what we read back is what we meant to write.
        back, back_meta = read_safetensors(path)
        assert back_meta == metadata and list(back) == list(tensors)
        assert all(np.array_equal(back[k], tensors[k]) for k in tensors)
        print(f"{name}: {len(tensors)} tensors, {os.path.getsize(path)} bytes, {report}")
        paths.append(path)
    paths.append(write_optimizer_fixture(out_dir))
    return paths


def write_optimizer_fixture(out_dir):
    """Write fixtures/adamw.safetensors (step 03); returns its path."""
    tensors, metadata, report = make_optimizer_fixture()
    path = os.path.join(out_dir, OPTIMIZER_FIXTURE + ".safetensors")
    write_safetensors(path, tensors, metadata)
    back, back_meta = read_safetensors(path)
    assert back_meta == metadata and list(back) == list(tensors)
    assert all(np.array_equal(back[k], tensors[k]) for k in tensors)
    print(f"{OPTIMIZER_FIXTURE}: {len(tensors)} tensors, {os.path.getsize(path)} bytes, {report}")
    return path


def describe_difference(new_path, old_path):
    """Print which tensors or metadata differ between two fixture files."""
    new, new_meta = read_safetensors(new_path)
    old, old_meta = read_safetensors(old_path)
    for key in sorted(set(new_meta) | set(old_meta)):
        if new_meta.get(key) != old_meta.get(key):
            print(f"  metadata {key}: {old_meta.get(key)!r} -> {new_meta.get(key)!r}")
    for key in sorted(set(new) | set(old)):
        if key not in new or key not in old:
            print(f"  {key}: only in {'new' if key in new else 'committed'} file")
        elif new[key].shape != old[key].shape or new[key].dtype != old[key].dtype:
            print(f"  {key}: shape/dtype {old[key].shape} -> {new[key].shape}")
        elif not np.array_equal(new[key], old[key]):
            err = relative_error(torch.from_numpy(new[key].copy()),
                                 torch.from_numpy(old[key].copy()))
            print(f"  {key}: values differ (relative {err:.1e})")


def check_committed(out_dir):
    """Regenerate into a temporary folder and compare with out_dir byte for byte."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for path in write_all(tmp):
            committed = os.path.join(out_dir, os.path.basename(path))
            if not os.path.exists(committed):
                print(f"MISSING {committed}")
                ok = False
                continue
            with open(path, "rb") as a, open(committed, "rb") as b:
                if a.read() == b.read():
                    print(f"same    {committed}")
                else:
                    print(f"DIFFERS {committed}")
                    describe_difference(path, committed)
                    ok = False
    return ok


# ---------------------------------------------------------------------------------------
# Step 03: optimizers. torch.optim.AdamW and torch.optim.SGD(momentum) run in float32 on a
# few parameters with fixed random gradients; every step's parameters and state are stored.
#
#   param.<name>              the parameters before step 1 (F32)
#   grad.<k>.<name>           the gradient given at step k = 1, 2, 3 (F32)
#   adamw.<k>.param.<name>    AdamW: the parameters after step k
#   adamw.<k>.m.<name>        AdamW: exp_avg (m) after step k
#   adamw.<k>.v.<name>        AdamW: exp_avg_sq (v) after step k
#   sgd.<k>.param.<name>      SGD with momentum: the parameters after step k
#   sgd.<k>.momentum.<name>   SGD: momentum_buffer after step k
#   adamw.lr, sgd.lr          (3) the learning rate of each step (a schedule changes it)
#   adamw.betas (2), adamw.eps (), adamw.weight_decay (), sgd.momentum (),
#   sgd.weight_decay ()       hyper-parameters, as float32
#
# Metadata "decayed" lists the parameters in the weight-decay group (comma-separated); the
# others are in a group with weight decay 0, as the C++ default rule groups them.

OPTIMIZER_FIXTURE = "adamw"
OPTIMIZER_SEED = 7
OPTIMIZER_STEPS = 3
# name -> (shape, gradient scale, decayed). The scales put one parameter's gradients near
# eps (1e-8), where eps matters, and one's far above 1.
OPTIMIZER_PARAMS = {
    "h.0.mlp.c_fc.weight": ((4, 6), 1.0, True),
    "h.0.mlp.c_fc.bias": ((6,), 1e-3, False),
    "ln_f.weight": ((6,), 1e-8, False),
    "wte.weight": ((5, 6), 10.0, False),
}
ADAMW_LR = [1e-2, 5e-3, 2.5e-3]
ADAMW_BETAS = (0.9, 0.95)
ADAMW_EPS = 1e-8
ADAMW_WEIGHT_DECAY = 0.1
SGD_LR = [0.1, 0.05, 0.025]
SGD_MOMENTUM = 0.9
SGD_WEIGHT_DECAY = 0.01


def run_optimizer(make, lrs, initial, grads, state_keys):
    """Run a torch optimizer for len(lrs) steps on float32 copies of `initial`, giving
    grads[k][name] at step k. Returns a list (per step) of dicts name -> {"param": array,
    state key: array}."""
    params = {name: torch.nn.Parameter(t.clone()) for name, t in initial.items()}
    decayed = [params[n] for n, (_, _, d) in OPTIMIZER_PARAMS.items() if d]
    others = [params[n] for n, (_, _, d) in OPTIMIZER_PARAMS.items() if not d]
    optimizer = make([{"params": decayed}, {"params": others, "weight_decay": 0.0}])
    history = []
    for k, lr in enumerate(lrs):
        for group in optimizer.param_groups:
            group["lr"] = lr
        for name, p in params.items():
            p.grad = grads[k][name].clone()
        optimizer.step()
        after = {}
        for name, p in params.items():
            state = optimizer.state[p]
            after[name] = {"param": p.detach().clone().numpy()}
            for key, stored in state_keys.items():
                after[name][stored] = state[key].detach().clone().numpy()
        history.append(after)
    return history


def make_optimizer_fixture():
    """Build the optimizer fixture. Returns (tensors, metadata, report)."""
    torch.manual_seed(OPTIMIZER_SEED)
    initial, grads = {}, [{} for _ in range(OPTIMIZER_STEPS)]
    for name, (shape, _, _) in OPTIMIZER_PARAMS.items():
        initial[name] = draw(shape, 0.5)
    for k in range(OPTIMIZER_STEPS):
        for name, (shape, scale, _) in OPTIMIZER_PARAMS.items():
            grads[k][name] = draw(shape, scale)
    # An exact zero gradient at step 1: m = v = 0 there, so the update must be 0 / eps = 0.
    grads[0]["h.0.mlp.c_fc.weight"][0, 0] = 0.0

    adamw = run_optimizer(
        lambda groups: torch.optim.AdamW(groups, lr=ADAMW_LR[0], betas=ADAMW_BETAS,
                                         eps=ADAMW_EPS, weight_decay=ADAMW_WEIGHT_DECAY,
                                         foreach=False),
        ADAMW_LR, initial, grads, {"exp_avg": "m", "exp_avg_sq": "v"})
    sgd = run_optimizer(
        lambda groups: torch.optim.SGD(groups, lr=SGD_LR[0], momentum=SGD_MOMENTUM,
                                       weight_decay=SGD_WEIGHT_DECAY, foreach=False),
        SGD_LR, initial, grads, {"momentum_buffer": "momentum"})

    def f32(values):
        return np.asarray(values, dtype=np.float32)

    tensors = {}
    for name, t in initial.items():
        tensors["param." + name] = t.numpy()
    for k in range(OPTIMIZER_STEPS):
        for name in OPTIMIZER_PARAMS:
            tensors[f"grad.{k + 1}.{name}"] = grads[k][name].numpy()
    for prefix, history in (("adamw", adamw), ("sgd", sgd)):
        for k, after in enumerate(history):
            for name, values in after.items():
                for key, array in values.items():
                    tensors[f"{prefix}.{k + 1}.{key}.{name}"] = array
    tensors["adamw.lr"] = f32(ADAMW_LR)
    tensors["adamw.betas"] = f32(ADAMW_BETAS)
    tensors["adamw.eps"] = f32(ADAMW_EPS)
    tensors["adamw.weight_decay"] = f32(ADAMW_WEIGHT_DECAY)
    tensors["sgd.lr"] = f32(SGD_LR)
    tensors["sgd.momentum"] = f32(SGD_MOMENTUM)
    tensors["sgd.weight_decay"] = f32(SGD_WEIGHT_DECAY)

    # Self-checks: the step really moved every parameter, the zero gradient left its
    # element to the decay alone, and the non-decayed group was not decayed.
    for name in OPTIMIZER_PARAMS:
        assert not np.array_equal(adamw[0][name]["param"], initial[name].numpy()), name
    w0 = initial["h.0.mlp.c_fc.weight"][0, 0].item()
    w1 = adamw[0]["h.0.mlp.c_fc.weight"]["param"][0, 0].item()
    assert abs(w1 - w0 * (1 - ADAMW_LR[0] * ADAMW_WEIGHT_DECAY)) <= 1e-7 * abs(w0), "decay"
    assert adamw[0]["h.0.mlp.c_fc.weight"]["m"][0, 0] == 0.0, "zero gradient"

    metadata = {"generator": GENERATOR, "torch": torch.__version__,
                "precision": "torch.optim in float32",
                "decayed": ",".join(n for n, (_, _, d) in OPTIMIZER_PARAMS.items() if d),
                "steps": str(OPTIMIZER_STEPS)}
    report = f"{len(OPTIMIZER_PARAMS)} parameters, {OPTIMIZER_STEPS} steps of AdamW and SGD"
    return tensors, metadata, report


# ---------------------------------------------------------------------------------------
# A tiny Hugging Face GPT-2 folder, tests/data/tiny-gpt2/: the files of a GPT-2 download in
# their formats, small enough to commit. The C++ tests load it with load_pretrained_gpt(),
# compare logits and greedy generation, and run `tinygpt generate` on it.
#
#   config.json        Hugging Face's GPT-2 config.json (model_type "gpt2", n_embd, ...)
#   model.safetensors  F16 weights under GPT2LMHeadModel's state_dict names: "transformer."
#                      prefix, the h.N.attn.bias (1, 1, P, P) causal-mask and
#                      h.N.attn.masked_bias buffers, and lm_head.weight equal to wte
#   vocab.json         step 01's small GPT-2-format tokenizer, copied byte for byte
#   merges.txt
#   expected.json      a prompt, its ids, the greedy continuation and the last prompt
#                      position's logits, computed in float64 from the F16-rounded weights

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_GPT2_OUT = os.path.join(os.path.dirname(HERE), "tests", "data", "tiny-gpt2")
GPT2_TOKENIZER = os.path.join(os.path.dirname(os.path.dirname(HERE)), "01-basics", "tests",
                              "data", "gpt2_small")
TINY_GPT2_SEED = 6
TINY_GPT2_CONTEXT = 32                 # n_positions; C, H and L are the fixtures' sizes
TINY_GPT2_PROMPT = "The cat's toy"
TINY_GPT2_NEW_TOKENS = 12
# Smallest gap allowed between the best and second-best logit at a greedy step, so that a
# float32 forward (error ~1e-6 of the largest logit) picks the same token.
TINY_GPT2_MIN_MARGIN = 0.05
END_OF_TEXT = "<|endoftext|>"

# GPT-2's pre-tokenisation pattern with \p{L} and \p{N} narrowed to ASCII letters and
# digits, which Python's re can run; on ASCII text it splits exactly as GPT-2's pattern.
ASCII_PRETOKENS = re.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def gpt2_byte_characters():
    """GPT-2's byte -> character table: printable Latin-1 bytes stand for themselves, the
    other 68 bytes for the characters 256, 257, ... in byte order."""
    table = {b: chr(b) for b in range(256)
             if 33 <= b <= 126 or 161 <= b <= 172 or 174 <= b <= 255}
    extra = 256
    for b in range(256):
        if b not in table:
            table[b] = chr(extra)
            extra += 1
    return table


def read_gpt2_tokenizer(folder):
    """(vocab, merges) of a GPT-2 tokenizer folder: dict token -> id, list of pairs."""
    with open(os.path.join(folder, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(folder, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split(" ")) for line in lines[1:] if line]
    return vocab, merges


def gpt2_encode_ascii(text, vocab, merges):
    """GPT-2's byte-level BPE encoding of an ASCII text: per pre-token, merge the pair of
    lowest rank until none is left. (Merging one occurrence at a time is the same as
    GPT-2's all-at-once: a pair made by a merge always ranks after that merge.)"""
    assert text.isascii(), "this small encoder pre-tokenises ASCII text only"
    byte_characters = gpt2_byte_characters()
    rank = {pair: i for i, pair in enumerate(merges)}
    ids = []
    for pretoken in ASCII_PRETOKENS.findall(text):
        symbols = [byte_characters[b] for b in pretoken.encode("utf-8")]
        while len(symbols) > 1:
            best, i = min((rank.get(pair, math.inf), i)
                          for i, pair in enumerate(zip(symbols, symbols[1:])))
            if best == math.inf:
                break
            symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
        ids.extend(vocab[symbol] for symbol in symbols)
    return ids


def gpt2_decode(ids, vocab):
    """The UTF-8 text of token ids (special tokens spelt as they are)."""
    token_of = {i: token for token, i in vocab.items()}
    byte_of = {c: b for b, c in gpt2_byte_characters().items()}
    text = "".join(token_of[i] for i in ids)
    if END_OF_TEXT in text:
        return text
    return bytes(byte_of[c] for c in text).decode("utf-8")


def hugging_face_gpt2_config(vocab_size, end_of_text):
    """config.json as Hugging Face's transformers writes it for GPT2LMHeadModel (without
    transformers_version: this script is not transformers)."""
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": end_of_text,
        "embd_pdrop": 0.1,
        "eos_token_id": end_of_text,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": TINY_GPT2_CONTEXT,
        "n_embd": C,
        "n_head": H,
        "n_inner": None,
        "n_layer": L,
        "n_positions": TINY_GPT2_CONTEXT,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
        "torch_dtype": "float16",
        "use_cache": True,
        "vocab_size": vocab_size,
    }


def hugging_face_gpt2_state(params16, config):
    """GPT2LMHeadModel's state_dict names and layout, F16, sorted by name: every parameter
    under "transformer.", per block the (1, 1, P, P) lower-triangular mask buffer attn.bias
    and the scalar attn.masked_bias (-1e4), and lm_head.weight, a copy of wte."""
    state = {"transformer." + name: t.numpy() for name, t in params16.items()}
    n = config["context_length"]
    mask = np.tril(np.ones((n, n), dtype=np.float16)).reshape(1, 1, n, n)
    for i in range(config["layers"]):
        state[f"transformer.h.{i}.attn.bias"] = mask
        state[f"transformer.h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=np.float16)
    state["lm_head.weight"] = params16["wte.weight"].numpy().copy()
    return {name: state[name] for name in sorted(state)}


def last_logits_gpt(p, config, ids):
    """The logits (V) at the last position of one unpadded sequence, gpt's forward."""
    x = torch.tensor([ids], dtype=torch.int64)
    inputs = {"ids": x, "mask": torch.ones_like(x), "targets": x}
    return forward_gpt(p, config, inputs)["logits"][0, -1]


def greedy_gpt(p, config, prompt, n_new):
    """Greedy continuation: n_new ids, each the argmax of the last position's logits (the
    whole sequence fits the context, so no window). Returns (ids, smallest top-2 gap)."""
    assert len(prompt) + n_new <= config["context_length"]
    ids, margin = list(prompt), math.inf
    for _ in range(n_new):
        top = torch.topk(last_logits_gpt(p, config, ids), 2)
        margin = min(margin, (top.values[0] - top.values[1]).item())
        ids.append(int(top.indices[0]))
    return ids[len(prompt):], margin


def make_tiny_gpt2():
    """Build and check the tiny GPT-2 folder. Returns (files: dict name -> bytes, report)."""
    vocab, merges = read_gpt2_tokenizer(GPT2_TOKENIZER)
    end_of_text = vocab[END_OF_TEXT]
    config = make_config("gpt")
    config["vocab_size"] = len(vocab)
    config["context_length"] = TINY_GPT2_CONTEXT
    torch.manual_seed(TINY_GPT2_SEED)
    params16 = {name: t.half() for name, t in build_gpt(config).items()}
    p64 = {name: t.double() for name, t in params16.items()}
    p32 = {name: t.float() for name, t in params16.items()}

    prompt = gpt2_encode_ascii(TINY_GPT2_PROMPT, vocab, merges)
    assert gpt2_decode(prompt, vocab) == TINY_GPT2_PROMPT, "the prompt does not round-trip"
    with torch.no_grad():
        logits64 = last_logits_gpt(p64, config, prompt)
        greedy, margin = greedy_gpt(p64, config, prompt, TINY_GPT2_NEW_TOKENS)
        # Self-checks: float32 agrees; the continuation is neither one repeated token nor
        # cut short by end-of-text; every greedy step has a clear winner.
        worst32 = relative_error(last_logits_gpt(p32, config, prompt), logits64)
        greedy32, _ = greedy_gpt(p32, config, prompt, TINY_GPT2_NEW_TOKENS)
    assert worst32 < 1e-4, f"tiny-gpt2: float32 and float64 differ by {worst32:.2e}"
    assert greedy32 == greedy, "tiny-gpt2: float32 greedy differs from float64"
    assert len(set(greedy)) >= 3, f"tiny-gpt2: degenerate greedy continuation {greedy}"
    assert end_of_text not in greedy, "tiny-gpt2: greedy stops at end-of-text"
    assert margin >= TINY_GPT2_MIN_MARGIN, f"tiny-gpt2: top-2 margin only {margin:.2e}"

    files = {}
    config_text = json.dumps(hugging_face_gpt2_config(len(vocab), end_of_text), indent=2,
                             sort_keys=True) + "\n"
    files["config.json"] = config_text.encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        state = hugging_face_gpt2_state(params16, config)
        write_safetensors(path, state, {"format": "pt"})
        back, back_meta = read_safetensors(path)
        assert back_meta == {"format": "pt"} and list(back) == list(state)
        assert all(np.array_equal(back[k], state[k]) for k in state)
        with open(path, "rb") as f:
            files["model.safetensors"] = f.read()
    for name in ("vocab.json", "merges.txt"):
        with open(os.path.join(GPT2_TOKENIZER, name), "rb") as f:
            files[name] = f.read()
    expected = {
        "generator": GENERATOR,
        "torch": torch.__version__,
        "precision": "float64 reference from the F16 weights of model.safetensors",
        "prompt_text": TINY_GPT2_PROMPT,
        "prompt_ids": prompt,
        "greedy_ids": greedy,
        "greedy_min_margin": round(margin, 6),
        "end_of_text_id": end_of_text,
        "last_logits": [float(v) for v in logits64],
    }
    # One key a line, values compact (the logits are one long line).
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in expected.items()]
    files["expected.json"] = ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")
    report = (f"prompt {prompt}, greedy {greedy}, top-2 margin {margin:.3f}, "
              f"float32 vs float64 {worst32:.1e}")
    return files, report


def write_tiny_gpt2(folder):
    """Write the tiny GPT-2 folder; returns the list of file paths."""
    os.makedirs(folder, exist_ok=True)
    files, report = make_tiny_gpt2()
    paths = []
    for name, data in files.items():
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    total = sum(len(data) for data in files.values())
    print(f"tiny-gpt2: {len(files)} files, {total} bytes, {report}")
    return paths


def check_tiny_gpt2(folder):
    """Regenerate the tiny GPT-2 folder in a temporary folder and compare byte for byte."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for path in write_tiny_gpt2(tmp):
            committed = os.path.join(folder, os.path.basename(path))
            if not os.path.exists(committed):
                print(f"MISSING {committed}")
                ok = False
                continue
            with open(path, "rb") as a, open(committed, "rb") as b:
                if a.read() == b.read():
                    print(f"same    {committed}")
                else:
                    print(f"DIFFERS {committed}")
                    if path.endswith(".safetensors"):
                        describe_difference(path, committed)
                    ok = False
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="fixture folder (default: fixtures/ beside this script)")
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temporary folder and compare with --out")
    parser.add_argument("--tiny-gpt2", default=None,
                        help="tiny Hugging Face GPT-2 folder (default: tests/data/tiny-gpt2/, "
                             "or DIR/tiny-gpt2 with --out DIR)")
    args = parser.parse_args()
    if args.tiny_gpt2 is None:
        args.tiny_gpt2 = (TINY_GPT2_OUT if args.out == DEFAULT_OUT
                          else os.path.join(args.out, "tiny-gpt2"))

    # One thread and deterministic kernels: the same bytes on every run.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    if args.check:
        ok = check_committed(args.out)
        ok = check_tiny_gpt2(args.tiny_gpt2) and ok
        if not ok:
            print("fixtures differ from what the script writes")
            return 1
        print("fixtures match the script")
        return 0
    write_all(args.out)
    write_tiny_gpt2(args.tiny_gpt2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
