# SPDX-License-Identifier: BSD-3-Clause
"""hugemem.stage: a model file copied onto hugetlbfs, on the real library.

The copy needs a hugetlbfs mount and free pool pages: as root the fixture
makes both (a private mount in tmp_path, the pool raised by what it needs and
put back after); elsewhere those tests are skipped with the reason.
"""
import errno
import os
import subprocess

import pytest

import llm_schedd.hugemem as hm

NR = "/proc/sys/vm/nr_hugepages"
PAGE = 2 << 20


def model(path, size, seed=7):
    data = bytes((i * seed + i // 4096) & 0xFF for i in range(size))
    path.write_bytes(data)
    return data


@pytest.fixture
def hugetlbfs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root: mounts hugetlbfs and raises the hugetlb pool")
    before = int(open(NR).read())
    mnt = tmp_path / "hugepages"
    mnt.mkdir()
    try:
        open(NR, "w").write(str(before + 8))
        if int(open(NR).read()) < before + 8:
            pytest.skip("the kernel gave no hugetlb pages")
        if subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M,size=8M", "none", str(mnt)]).returncode:
            pytest.skip("cannot mount hugetlbfs here")
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], stderr=subprocess.DEVNULL)
        open(NR, "w").write(str(before))


def test_copy_is_padded_to_huge_pages_and_reused(tmp_path, hugetlbfs):
    src = tmp_path / "w.gguf"
    data = model(src, PAGE + 12345)
    staged = hm.stage(src, str(hugetlbfs))
    assert staged == f"{hugetlbfs}/w.gguf"
    got = open(staged, "rb").read()  # hugetlbfs reads, it does not write
    assert len(got) == 2 * PAGE and got[:len(data)] == data and got[len(data):] == bytes(2 * PAGE - len(data))
    assert os.stat(staged).st_mtime_ns == os.stat(src).st_mtime_ns
    assert os.listdir(hugetlbfs) == ["w.gguf"]
    assert os.stat(staged).st_mode & 0o777 == 0o644
    # Unchanged: kept as it is (same inode). Changed: copied again.
    ino = os.stat(staged).st_ino
    assert hm.stage(src, str(hugetlbfs)) == staged and os.stat(staged).st_ino == ino
    data = model(src, PAGE + 12345, seed=11)
    os.utime(src, ns=(1, 10**18))
    assert hm.stage(src, str(hugetlbfs)) == staged and os.stat(staged).st_ino != ino
    assert open(staged, "rb").read()[:len(data)] == data


def test_short_mount_fails_and_leaves_nothing(tmp_path, hugetlbfs):
    src = tmp_path / "big.gguf"
    model(src, 5 * PAGE)  # the mount holds 4 pages
    with pytest.raises(OSError) as e:
        hm.stage(src, str(hugetlbfs))
    assert e.value.errno == errno.ENOMEM and "too small" in str(e.value)
    assert os.listdir(hugetlbfs) == []


def test_sources_that_are_not_models(tmp_path, hugetlbfs):
    (tmp_path / "empty.gguf").write_bytes(b"")
    for src, code in ((tmp_path / "missing.gguf", errno.ENOENT), (tmp_path, errno.EINVAL),
                      (tmp_path / "empty.gguf", errno.EINVAL)):
        with pytest.raises(OSError) as e:
            hm.stage(src, str(hugetlbfs))
        assert e.value.errno == code, src
    assert os.listdir(hugetlbfs) == []


def test_refusals(tmp_path, monkeypatch):
    src = tmp_path / "w.gguf"
    model(src, 4096)
    with pytest.raises(OSError) as e:
        hm.stage(src, str(tmp_path))
    assert e.value.errno == errno.ENOTSUP and "not a hugetlbfs mount" in str(e.value)
    assert sorted(os.listdir(tmp_path)) == ["w.gguf"]
    monkeypatch.delenv("LLM_SCHEDD_HUGETLBFS", raising=False)
    with pytest.raises(OSError) as e:
        hm.stage(src)
    assert e.value.errno == errno.EINVAL
    monkeypatch.setenv("LLM_SCHEDD_HUGETLBFS", str(tmp_path))
    with pytest.raises(OSError) as e:
        hm.stage(src)  # the variable is read, and tmp_path is no hugetlbfs
    assert e.value.errno == errno.ENOTSUP
