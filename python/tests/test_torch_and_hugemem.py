# SPDX-License-Identifier: BSD-3-Clause
"""auto_phases on Debian's torch, and huge-page arrays, on the real library."""
import ctypes
import gc

import numpy as np
import pytest

import llm_schedd
import llm_schedd.hugemem as hm
import llm_schedd.torch as lt

torch = pytest.importorskip("torch")  # python3-torch is in scripts/packages.txt: CI has it

BASE = 50100


_libc = ctypes.CDLL(None, use_errno=True)
PR_GET_TIMERSLACK = 30


def mark():
    code = _libc.prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) - BASE
    if not 0 <= code < 16:
        return None
    return ({0: "none", 1: "forward", 2: "backward"}[code & 3], "process" if code & 4 else "thread")


class Probe(torch.autograd.Function):
    """Records this thread's mark when forward and backward run through it."""
    seen = []

    @staticmethod
    def forward(ctx, x):
        Probe.seen.append(("forward", mark()))
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        Probe.seen.append(("backward", mark()))
        return grad


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(8, 8)
        self.b = torch.nn.Linear(8, 2)

    def forward(self, x):
        return self.b(Probe.apply(torch.relu(self.a(x))))


@pytest.mark.parametrize("scope", ["process", "thread"])
def test_auto_phases_marks_each_pass_while_it_runs(scope):
    torch.manual_seed(0)
    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.randn(32, 8), torch.randint(0, 2, (32,))
    hooks = lt.auto_phases(net, scope=scope)
    Probe.seen.clear()
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    hooks.remove()
    assert Probe.seen == [("forward", ("forward", scope)), ("backward", ("backward", scope))] * 3
    assert losses[-1] < losses[0]
    # Removed: a pass after remove() changes no mark.
    llm_schedd.set_phase("none", scope=scope)
    before = mark()
    Probe.seen.clear()
    net(x).sum().backward()
    assert Probe.seen == [("forward", before), ("backward", before)]


def test_auto_phases_refuses_what_is_not_a_module():
    with pytest.raises(TypeError):
        lt.auto_phases(lambda x: x)
    with pytest.raises(ValueError):
        lt.auto_phases(Net(), scope="cluster")


def test_hugemem_arrays_are_usable_and_say_what_backs_them():
    a = hm.empty((512, 1024), "float32")
    assert a.shape == (512, 1024) and a.dtype == np.float32
    assert hm.kind(a) in ("hugetlbfs", "hugetlb", "thp", "4k")
    assert not a.any()  # fresh pages read as zero
    a[:] = 1.5
    assert float(a.sum()) == 512 * 1024 * 1.5
    v = a[10:20]
    del a
    gc.collect()
    assert hm.kind(v) in ("hugetlbfs", "hugetlb", "thp", "4k")  # a view keeps the mapping
    assert float(v.sum()) == 10 * 1024 * 1.5
    small = hm.empty(16, "int64", hugetlb=False, thp=False)
    assert hm.kind(small) == "4k"
    with pytest.raises(ValueError):
        hm.kind(np.zeros(4))


def test_hugemem_tensor_shares_the_memory():
    t = hm.tensor((256, 256))
    assert t.dtype == torch.float32 and t.shape == (256, 256)
    t.fill_(2.0)
    assert float(t.sum()) == 256 * 256 * 2.0
