#!/usr/bin/python3
"""PyTorch reference for step 05: the alignment losses, a parity fixture.

The arithmetic of align/preference_loss.h and align/ppo_loss.h, written the plain PyTorch
way (F.logsigmoid, torch.min, torch.max, torch.clamp and autograd), not the way tinygpt
implements it (hand-written backward functions):

- Bradley-Terry, B = 6 pairs of scores s_c, s_r; one pair differs by +60 (its loss is
  about e^-60), one by -45 (its loss is about 45):

      L = (1/B) sum_i -log sigma(s_c,i - s_r,i)

- DPO, B = 6 pairs of answer log-probabilities (-5 .. -40) under the policy and the
  reference, beta = 0.1:

      L = (1/B) sum_i -log sigma(beta [(pc_i - rc_i) - (pr_i - rr_i)])

  with gradients for the policy's two columns only (the reference is frozen).
- GAE of three answers: n = 5 with gamma = 1, lambda = 0.95; n = 1 with gamma = 0.9,
  lambda = 0.8; and another n = 5 with gamma = 0.9, lambda = 0.8, so that the discount
  reaches the recursion. A_t = delta_t + gamma lambda A_{t+1}, R_t = A_t + V_t, checked
  against the closed form A_t = sum_k (gamma lambda)^k delta_{t+k}.
- The PPO clipped surrogate, M = 12 tokens, eps = 0.2, rho = exp(logprobs - old_logprobs):

      L = -(1/M) sum_t min(rho_t A_t, clamp(rho_t, 1 - eps, 1 + eps) A_t)

  four ratios inside [0.8, 1.2], eight outside (four above, four below), with advantages
  of both signs on each side: half of the outside ones clipped (no gradient), half not.
- The PPO clipped value loss, M = 12, eps_v = 0.2:

      L = (1/2) (1/M) sum_t max((V - R)^2, (V_old + clamp(V - V_old, -eps, eps) - R)^2)

  three values inside V_old +- eps, nine that moved further (five up, four down), the
  clipped square the larger for four of them and the smaller for five.

Every ratio, value and return keeps at least MARGIN from the loss's kinks (rho = 1 +- eps,
|V - V_old| = eps_v, and where the two squares are equal), so the gradient is defined
without ties and a finite-difference check of step 1e-2 stays on one side of each kink.

The script writes fixtures/alignment_losses.safetensors with

    bradley_terry.chosen, .rejected (B)           the scores
    bradley_terry.loss (), .grad_chosen (B), .grad_rejected (B)
    dpo.policy_chosen, .policy_rejected (B)       log pi(answer | prompt)
    dpo.reference_chosen, .reference_rejected (B) log pi_ref(answer | prompt)
    dpo.beta ()
    dpo.loss (), .grad_policy_chosen (B), .grad_policy_rejected (B)
    gae.<k>.rewards, .values (n)                  k = 0, 1, 2
    gae.<k>.gamma (), .lambda ()
    gae.<k>.advantages, .returns (n)
    ppo_policy.logprobs, .old_logprobs, .advantages (M), ppo_policy.clip ()
    ppo_policy.loss (), .grad_logprobs (M)
    ppo_value.values, .old_values, .returns (M), ppo_value.clip ()
    ppo_value.loss (), .grad_values (M)

all float32. Inputs are drawn in float64 and rounded to float32; the truth is computed in
float64 from the stored float32 values and rounded to float32 for storage, as in
steps/04-finetuning/reference/. The C++ test is
steps/05-alignment/tests/alignment_parity_test.cpp.

Usage:
    python3 steps/05-alignment/reference/alignment_parity.py            # write the fixture
    python3 steps/05-alignment/reference/alignment_parity.py --check    # regenerate and compare
    python3 steps/05-alignment/reference/alignment_parity.py --out DIR  # write elsewhere
"""
import argparse
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

GENERATOR = "steps/05-alignment/reference/alignment_parity.py"
PRECISION = "float64 reference, stored float32"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
FIXTURE = "alignment_losses"
SEED = 5

PAIRS = 6             # B, for both preference losses
BETA = 0.1            # DPO's beta
# GAE's answers: (n, gamma, lambda).
GAE_ANSWERS = [(5, 1.0, 0.95), (1, 0.9, 0.8), (5, 0.9, 0.8)]
CLIP = 0.2            # eps of both PPO losses
# The least distance of every point from a kink of the PPO losses (ratio or value units).
MARGIN = 0.03

# The PPO policy tokens: (ratio before jitter, sign of the advantage). Inside the range the
# two terms are equal; above 1 + eps a positive advantage is clipped (no gradient), a
# negative one not; below 1 - eps the other way round.
POLICY_CASES = [(0.90, +1), (1.10, -1), (1.03, +1), (0.93, -1),   # inside
                (1.45, +1), (1.30, +1),                           # above, clipped
                (1.50, -1), (1.28, -1),                           # above, unclipped
                (0.60, +1), (0.72, +1),                           # below, unclipped
                (0.55, -1), (0.70, -1)]                           # below, clipped
# The PPO value tokens: (V - V_old, R - V_old) before jitter; eps_v = 0.2.
VALUE_CASES = [(0.10, 0.6), (-0.12, -0.4), (0.05, -0.8),          # inside V_old +- eps
               (0.50, -0.3), (0.60, 0.3), (0.35, 0.0),            # up, unclipped square larger
               (0.50, 1.2), (0.60, 0.5),                          # up, clipped square larger
               (-0.50, 0.3), (-0.60, -0.3),                       # down, unclipped larger
               (-0.50, -1.2), (-0.60, -0.5)]                      # down, clipped larger


# ---------------------------------------------------------------------------------------
# safetensors, written and read with json and struct (the format of
# steps/02-transformer/reference/parity.py; this step's own copy).

def write_safetensors(path, tensors, metadata):
    """Write float32 numpy arrays (in dict order, row-major, little-endian) and metadata
    (str -> str, as "__metadata__"); the JSON header is padded with spaces to a multiple of
    8 bytes so the data that follows is aligned."""
    header = {"__metadata__": dict(metadata)}
    chunks, offset = [], 0
    for name, array in tensors.items():
        if array.dtype != np.float32:
            raise TypeError(f"{name}: {array.dtype}, the fixture holds float32 only")
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
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
    """Read a file written by write_safetensors: (dict name -> array, metadata)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        data = blob[8 + n + begin:8 + n + end]
        tensors[name] = np.frombuffer(data, "<f4").reshape(info["shape"])
    return tensors, metadata


def relative_error(a, b):
    """max |a - b| / max |b| (the tolerance measure of the C++ tests)."""
    a, b = torch.as_tensor(a).double(), torch.as_tensor(b).double()
    scale = b.abs().max().item()
    return (a - b).abs().max().item() / (scale if scale > 0 else 1.0)


# ---------------------------------------------------------------------------------------
# Inputs: drawn in float64, rounded to float32 (what is stored is what both sides read).

def as_float32(x):
    """x rounded to float32, returned as float64 (the value both sides compute from)."""
    return torch.as_tensor(x, dtype=torch.float64).float().double()


def uniform(shape, low, high):
    return low + (high - low) * torch.rand(shape, dtype=torch.float64)


def normal(shape, std):
    return std * torch.randn(shape, dtype=torch.float64)


def draw_bradley_terry():
    chosen, rejected = normal(PAIRS, 2.0), normal(PAIRS, 2.0)
    # A pair ordered well by 60 (its loss about e^-60, which log(1 + e^-x) rounds to 0) and
    # one ordered badly by 45 (its loss about 45, its gradient almost the whole 1 / B).
    chosen[3], rejected[3] = 30.0, -30.0
    chosen[5], rejected[5] = -25.0, 20.0
    return {"chosen": as_float32(chosen), "rejected": as_float32(rejected)}


def draw_dpo():
    """Log-probabilities of whole answers, -5 .. -40; the policy's within about 40% of the
    reference's (a log-normal factor), so the implicit rewards are of order 1."""
    reference_chosen, reference_rejected = -uniform(PAIRS, 5.0, 40.0), -uniform(PAIRS, 5.0, 40.0)
    policy_chosen = reference_chosen * torch.exp(normal(PAIRS, 0.4))
    policy_rejected = reference_rejected * torch.exp(normal(PAIRS, 0.4))
    return {"policy_chosen": as_float32(policy_chosen),
            "policy_rejected": as_float32(policy_rejected),
            "reference_chosen": as_float32(reference_chosen),
            "reference_rejected": as_float32(reference_rejected),
            "beta": as_float32(BETA)}


def draw_gae(n, gamma, lam):
    """Per-token rewards as alignment's PPO gives them (small KL penalties, the reward
    model's score added to the last token) and values of the size of the returns."""
    rewards = normal(n, 0.1)
    rewards[-1] += normal(1, 1.0)[0]
    return {"rewards": as_float32(rewards), "values": as_float32(normal(n, 0.5)),
            "gamma": as_float32(gamma), "lambda": as_float32(lam)}


def draw_ppo_policy():
    """POLICY_CASES in a random order, each ratio jittered by up to 2%."""
    order = torch.randperm(len(POLICY_CASES))
    m = len(POLICY_CASES)
    target = torch.tensor([POLICY_CASES[i][0] for i in order], dtype=torch.float64)
    sign = torch.tensor([POLICY_CASES[i][1] for i in order], dtype=torch.float64)
    target = target * (1.0 + uniform(m, -0.02, 0.02))
    # Per-token log-probabilities below -0.6, so that logprobs = old + log(ratio) < 0.
    old = as_float32(-uniform(m, 0.6, 6.0))
    logprobs = as_float32(old + torch.log(target))
    advantages = as_float32(sign * (normal(m, 1.0).abs() + 0.1))
    ratio = torch.exp(logprobs - old)
    kink = torch.minimum((ratio - (1 - CLIP)).abs(), (ratio - (1 + CLIP)).abs()).min().item()
    assert kink > MARGIN, f"a ratio is {kink:.3f} from the clip range's edge"
    return {"logprobs": logprobs, "old_logprobs": old, "advantages": advantages,
            "clip": as_float32(CLIP)}


def draw_ppo_value():
    """VALUE_CASES in a random order around random V_old, jittered by up to 0.02."""
    order = torch.randperm(len(VALUE_CASES))
    m = len(VALUE_CASES)
    step = torch.tensor([VALUE_CASES[i][0] for i in order], dtype=torch.float64)
    offset = torch.tensor([VALUE_CASES[i][1] for i in order], dtype=torch.float64)
    old = as_float32(normal(m, 1.0))
    values = as_float32(old + step + uniform(m, -0.02, 0.02))
    returns = as_float32(old + offset + uniform(m, -0.02, 0.02))
    moved = values - old
    clipped = old + moved.clamp(-CLIP, CLIP)
    assert ((moved.abs() - CLIP).abs() > MARGIN).all(), "a value is near V_old +- eps"
    outside = moved.abs() > CLIP
    gap = ((values - returns).abs() - (clipped - returns).abs())[outside]
    assert (gap.abs() > MARGIN).all(), "a value is near where the two squares are equal"
    return {"values": values, "old_values": old, "returns": returns, "clip": as_float32(CLIP)}


# ---------------------------------------------------------------------------------------
# The losses, in the dtype of their inputs; gradients by autograd.

def bradley_terry(chosen, rejected):
    return (-F.logsigmoid(chosen - rejected)).mean()


def dpo(policy_chosen, policy_rejected, reference_chosen, reference_rejected, beta):
    logits = beta * ((policy_chosen - reference_chosen) - (policy_rejected - reference_rejected))
    return (-F.logsigmoid(logits)).mean()


def ppo_policy(logprobs, old_logprobs, advantages, clip):
    ratio = torch.exp(logprobs - old_logprobs)
    clipped = torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    return -torch.min(ratio * advantages, clipped * advantages).mean()


def ppo_value(values, old_values, returns, clip):
    clipped = old_values + torch.clamp(values - old_values, -clip, clip)
    return 0.5 * torch.max((values - returns) ** 2, (clipped - returns) ** 2).mean()


def loss_and_grads(loss_fn, inputs, trained, dtype):
    """The loss of inputs (a dict, cast to dtype) and its gradients w.r.t. the names in
    trained: (loss, {name: gradient})."""
    x = {k: v.to(dtype) for k, v in inputs.items()}
    for name in trained:
        x[name] = x[name].detach().requires_grad_(True)
    scalars = {k: v.item() for k, v in x.items() if v.dim() == 0}
    loss = loss_fn(**{k: scalars.get(k, v) for k, v in x.items()})
    grads = torch.autograd.grad(loss, [x[name] for name in trained])
    return loss.detach(), dict(zip(trained, grads))


def gae(rewards, values, gamma, lam):
    """The plain backwards recursion, V_{n+1} = A_{n+1} = 0: (advantages, returns)."""
    n = len(rewards)
    advantages = torch.zeros(n, dtype=torch.float64)
    next_value, next_advantage = 0.0, 0.0
    for t in reversed(range(n)):
        delta = rewards[t] + gamma * next_value - values[t]
        advantages[t] = delta + gamma * lam * next_advantage
        next_value, next_advantage = values[t], advantages[t]
    return advantages, advantages + values


def gae_closed_form(rewards, values, gamma, lam):
    """A_t = sum_k (gamma lambda)^k delta_{t+k}, for the self-check."""
    n = len(rewards)
    following = torch.cat([values[1:], torch.zeros(1, dtype=torch.float64)])
    delta = rewards + gamma * following - values
    return torch.stack([sum((gamma * lam) ** (k - t) * delta[k] for k in range(t, n))
                        for t in range(n)])


# ---------------------------------------------------------------------------------------
# The fixture.

LOSSES = {  # name: (function, inputs drawn, the inputs with a gradient)
    "bradley_terry": (bradley_terry, draw_bradley_terry, ["chosen", "rejected"]),
    "dpo": (dpo, draw_dpo, ["policy_chosen", "policy_rejected"]),
    "ppo_policy": (ppo_policy, draw_ppo_policy, ["logprobs"]),
    "ppo_value": (ppo_value, draw_ppo_value, ["values"]),
}


def make_fixture():
    """Draw, compute and check everything. Returns (tensors, metadata, report)."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    tensors, report = {}, []

    def store(name, value):
        tensors[name] = torch.as_tensor(value, dtype=torch.float64).float().numpy()

    for name, (loss_fn, draw, trained) in LOSSES.items():
        inputs = draw()
        loss, grads = loss_and_grads(loss_fn, inputs, trained, torch.float64)
        loss32, grads32 = loss_and_grads(loss_fn, inputs, trained, torch.float32)
        worst32 = max([relative_error(loss32, loss)] +
                      [relative_error(grads32[k], grads[k]) for k in trained])
        assert worst32 < 1e-5, f"{name}: float32 and float64 differ by {worst32:.2e}"
        assert torch.isfinite(loss) and all(torch.isfinite(g).all() for g in grads.values())
        for key, value in inputs.items():
            store(f"{name}.{key}", value)
        store(f"{name}.loss", loss)
        for key, g in grads.items():
            store(f"{name}.grad_{key}", g)
        report.append(f"{name} loss {loss.item():.6f} (float32 vs float64 {worst32:.1e})")

    # The policy's clipped tokens have no gradient, the others do (the fixture tests both).
    g = torch.from_numpy(tensors["ppo_policy.grad_logprobs"])
    assert (g == 0).sum() == 4 and (g != 0).sum() == 8, "ppo_policy: 4 clipped tokens expected"
    g = torch.from_numpy(tensors["ppo_value.grad_values"])
    assert (g == 0).sum() == 4 and (g != 0).sum() == 8, "ppo_value: 4 frozen values expected"

    for k, (n, gamma, lam) in enumerate(GAE_ANSWERS):
        inputs = draw_gae(n, gamma, lam)
        r, v = inputs["rewards"], inputs["values"]
        g64, l64 = inputs["gamma"].item(), inputs["lambda"].item()
        advantages, returns = gae(r, v, g64, l64)
        closed = gae_closed_form(r, v, g64, l64)
        assert relative_error(advantages, closed) < 1e-12, "GAE: recursion != closed form"
        if n == 1:
            assert abs(advantages[0] - (r[0] - v[0])) < 1e-15, "GAE: A = r - V for one token"
        for key, value in inputs.items():
            store(f"gae.{k}.{key}", value)
        store(f"gae.{k}.advantages", advantages)
        store(f"gae.{k}.returns", returns)
    report.append(f"gae {len(GAE_ANSWERS)} answers")

    metadata = {"generator": GENERATOR, "torch": torch.__version__, "precision": PRECISION,
                "seed": str(SEED)}
    return tensors, metadata, "; ".join(report)


def write_fixture(out_dir):
    """Write alignment_losses.safetensors into out_dir, read it back; returns its path."""
    tensors, metadata, report = make_fixture()
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, FIXTURE + ".safetensors")
    write_safetensors(path, tensors, metadata)
    back, back_meta = read_safetensors(path)
    same = back_meta == metadata and list(back) == list(tensors) and all(
        np.array_equal(back[name], array) for name, array in tensors.items())
    assert same, f"{path} does not read back as written"
    print(f"{FIXTURE}: {len(tensors)} tensors, {os.path.getsize(path)} bytes; {report}")
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
        elif new[key].shape != old[key].shape:
            print(f"  {key}: shape {old[key].shape} -> {new[key].shape}")
        elif not np.array_equal(new[key], old[key]):
            print(f"  {key}: values differ (relative {relative_error(new[key], old[key]):.1e})")


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
            describe_difference(fresh, committed)
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
