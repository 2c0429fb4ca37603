#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Trains a small GPT-style model as a two-stage pipeline, 1F1B.

Each stage is a process (forked from this one, so torch is imported once);
they pass activations forward and gradients back with torch.distributed
send/recv over gloo on loopback. With one-forward-one-backward scheduling,
stage 0 runs the forward pass of micro-batch i+1 while stage 1 runs the
backward pass of micro-batch i: forward and backward at the same time, in
two processes, which is what per-phase CPU sets are for.

Phases are marked only by llm_schedd.torch.auto_phases on each stage's
module (process-wide: the intra-op pool and gloo's threads follow), or not
at all with --phases none. The data is generated: sequences of a fixed
random permutation walk, so the next token is learnable and the loss falls.

    pipeline_train.py [--steps 200] [--micro 4] [--batch 4] [--seq 32]
                      [--dim 64] [--layers 2] [--heads 4] [--vocab 64]
                      [--threads 2] [--phases auto|none] [--json OUT]

Prints one line per 50 steps, and at the end one line of key=value pairs
(stage pids, first and last loss, step time p50/p99 in ms); --json writes
the same with every step time. Exits non-zero if a stage fails.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn as nn


class Block(nn.Module):
    """Pre-norm transformer block: causal self-attention, then an MLP."""

    def __init__(self, dim, heads, seq):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.register_buffer("mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

    def forward(self, x):
        a = self.ln1(x)
        x = x + self.attn(a, a, a, attn_mask=self.mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class Embed(nn.Module):
    def __init__(self, vocab, dim, seq):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, dim), nn.Parameter(torch.zeros(seq, dim))

    def forward(self, idx):
        return self.tok(idx) + self.pos


def build_stage(rank, a):
    torch.manual_seed(1234 + rank)
    half = a.layers // 2
    if rank == 0:
        return nn.Sequential(Embed(a.vocab, a.dim, a.seq), *[Block(a.dim, a.heads, a.seq) for _ in range(half)])
    return nn.Sequential(*[Block(a.dim, a.heads, a.seq) for _ in range(a.layers - half)],
                         nn.LayerNorm(a.dim), nn.Linear(a.dim, a.vocab))


def batches(a, step):
    """Walks of a fixed permutation from random starts: token t+1 = perm[token t]."""
    g = torch.Generator().manual_seed(step)
    perm = torch.randperm(a.vocab, generator=torch.Generator().manual_seed(7))
    x = torch.empty(a.micro, a.batch, a.seq + 1, dtype=torch.long)
    x[..., 0] = torch.randint(a.vocab, (a.micro, a.batch), generator=g)
    for t in range(a.seq):
        x[..., t + 1] = perm[x[..., t]]
    return x[..., :-1], x[..., 1:]


def stage_main(rank, a, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), GLOO_SOCKET_IFNAME="lo")
    torch.set_num_threads(a.threads)
    dist.init_process_group("gloo", rank=rank, world_size=2)
    model = build_stage(rank, a)
    if a.phases == "auto":
        import llm_schedd.torch
        llm_schedd.torch.auto_phases(model)  # process scope: every thread of this stage follows
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    shape = (a.batch, a.seq, a.dim)
    losses, times = [], []
    for step in range(a.steps):
        t0 = time.perf_counter()
        inputs, targets = batches(a, step)
        opt.zero_grad(set_to_none=True)
        if rank == 0:
            # 1F1B for the first of two stages: one forward ahead, then
            # each backward of micro-batch i-1 after the forward of i.
            outs, sends = [], []
            for i in range(a.micro):
                out = model(inputs[i])
                sends.append(dist.isend(out.detach(), 1))
                outs.append(out)
                if i > 0:
                    grad = torch.empty(shape)
                    dist.recv(grad, 1)
                    outs[i - 1].backward(grad)
            grad = torch.empty(shape)
            dist.recv(grad, 1)
            outs[-1].backward(grad)
            for s in sends:
                s.wait()
            loss = torch.empty(1)
            dist.recv(loss, 1)
        else:
            total = 0.0
            sends = []
            for i in range(a.micro):
                act = torch.empty(shape)
                dist.recv(act, 0)
                act.requires_grad_()
                logits = model(act)
                loss = nn.functional.cross_entropy(logits.reshape(-1, a.vocab), targets[i].reshape(-1)) / a.micro
                loss.backward()
                sends.append(dist.isend(act.grad, 0))
                total += loss.item()
            for s in sends:
                s.wait()
            loss = torch.tensor([total])
            dist.send(loss, 0)
        opt.step()
        times.append((time.perf_counter() - t0) * 1e3)
        losses.append(float(loss[0]))
        if rank == 0 and (step % 50 == 0 or step == a.steps - 1):
            print(f"step {step} loss {losses[-1]:.3f} ({times[-1]:.1f} ms)", flush=True)
    dist.destroy_process_group()
    return losses, times


def pct(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--micro", type=int, default=4)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads per stage")
    ap.add_argument("--phases", choices=["auto", "none"], default="auto")
    ap.add_argument("--port", type=int, default=29511)
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.layers < 2 or a.dim % a.heads:
        sys.exit("pipeline_train: --layers must be at least 2, and --dim a multiple of --heads")

    r, w = os.pipe()
    child = os.fork()
    if child == 0:  # stage 1; reports its pid through the pipe and exits with its status
        os.close(r)
        os.write(w, f"{os.getpid()}\n".encode())
        os.close(w)
        try:
            stage_main(1, a, a.port)
            os._exit(0)
        except BaseException as e:  # noqa: BLE001 - the parent reports it
            print(f"pipeline_train: stage 1: {e!r}", file=sys.stderr, flush=True)
            os._exit(1)
    os.close(w)
    pid1 = int(os.read(r, 64).decode())
    os.close(r)
    print(f"stages pid0={os.getpid()} pid1={pid1}", flush=True)
    losses, times = stage_main(0, a, a.port)
    _, status = os.waitpid(child, 0)
    if status != 0:
        sys.exit(f"pipeline_train: stage 1 failed (status {status})")
    head, tail = losses[: max(1, len(losses) // 10)], losses[-max(1, len(losses) // 10):]
    result = {"pid0": os.getpid(), "pid1": pid1, "steps": a.steps, "first_loss": sum(head) / len(head),
              "last_loss": sum(tail) / len(tail), "p50_ms": pct(times[1:], 50), "p99_ms": pct(times[1:], 99)}
    print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(result, step_ms=times, loss=losses), f)


if __name__ == "__main__":
    main()
