# SPDX-License-Identifier: BSD-3-Clause
"""Marks a PyTorch model's forward and backward passes automatically.

    import llm_schedd.torch
    hooks = llm_schedd.torch.auto_phases(model)   # process-wide by default
    for batch in data:
        loss = loss_fn(model(batch))   # forward pre-hook: "forward"
        loss.backward()                # first gradient at the model's output: "backward"
    hooks.remove()

The default scope is the process, because PyTorch computes in its
intra-op pool (OpenMP or its own threads) and, for GPU tensors, runs
backward in pt_autograd_N threads: a mark on the calling thread alone
moves none of them. scope="thread" marks only the thread that calls the
model.

Backward is found with register_full_backward_pre_hook where torch has
it (2.0 and later), else with a hook on each output tensor that needs a
gradient (bookworm's torch 1.13): both fire when backward reaches the
model's output, before any of its layers run backward.
"""
import torch

from . import set_phase

__all__ = ["auto_phases"]


class PhaseHooks:
    """What auto_phases registered; remove() takes it all away."""

    def __init__(self, handles):
        self._handles = handles

    def remove(self):
        for h in self._handles:
            h.remove()
        self._handles = []


def _tensors(out):
    if isinstance(out, torch.Tensor):
        yield out
    elif isinstance(out, (list, tuple)):
        for o in out:
            yield from _tensors(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors(o)


def auto_phases(model, scope="process"):
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"auto_phases needs a torch.nn.Module, not {type(model).__name__}")
    if scope not in ("process", "thread"):
        raise ValueError(f"scope must be 'process' or 'thread', not {scope!r}")

    def forward_pre(module, inputs):
        set_phase("forward", scope)

    handles = [model.register_forward_pre_hook(forward_pre)]
    if hasattr(model, "register_full_backward_pre_hook"):
        def backward_pre(module, grad_output):
            set_phase("backward", scope)

        handles.append(model.register_full_backward_pre_hook(backward_pre))
    else:
        def on_output_grad(grad):
            set_phase("backward", scope)

        def forward_post(module, inputs, output):
            for t in _tensors(output):
                if t.requires_grad:
                    t.register_hook(on_output_grad)

        handles.append(model.register_forward_hook(forward_post))
    return PhaseHooks(handles)
