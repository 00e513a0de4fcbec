"""put/get/wait, ObjectRefs, and zero-copy reads of the shared-memory store."""

import asyncio
import gc
import re

import numpy as np
import pytest

import photon
from photon import _core
from photon.exceptions import GetTimeoutError

MiB = 1 << 20


@photon.remote
def identity(x):
    return x


@photon.remote
def wait_for_file(path):
    import os
    import time
    while not os.path.exists(path):
        time.sleep(0.02)
    return path


def test_put_get_roundtrip(photon_local):
    values = [None, 1, "text", b"bytes", [1, (2, 3)], {"k": {1, 2}}, 1.5, np.arange(10)]
    for v in values:
        got = photon.get(photon.put(v))
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(got, v)
        else:
            assert got == v


def test_get_list_and_tuple(photon_local):
    refs = [photon.put(i) for i in range(5)]
    assert photon.get(refs) == [0, 1, 2, 3, 4]
    assert photon.get(tuple(refs)) == [0, 1, 2, 3, 4]
    assert photon.get([]) == []


def test_get_of_a_non_reference_names_the_mistake(photon_local):
    with pytest.raises(TypeError, match="ObjectRef"):
        photon.get(42)
    with pytest.raises(TypeError, match="item 1 is a str"):
        photon.get([photon.put(1), "nope"])


def test_put_of_a_reference_is_refused(photon_local):
    with pytest.raises(TypeError, match="ObjectRef"):
        photon.put(photon.put(1))


def test_get_timeout(photon_local, tmp_path):
    ref = wait_for_file.remote(str(tmp_path / "go"))
    with pytest.raises(GetTimeoutError):
        photon.get(ref, timeout=0.2)
    with pytest.raises(TimeoutError):  # GetTimeoutError is a TimeoutError too
        photon.get([ref], timeout=0)
    (tmp_path / "go").touch()
    assert photon.get(ref, timeout=60) == str(tmp_path / "go")


def test_get_with_bad_timeout(photon_local):
    with pytest.raises(ValueError, match="timeout"):
        photon.get(photon.put(1), timeout=-1)


def test_wait_returns_ready_first_in_given_order(photon_local, tmp_path):
    slow = wait_for_file.remote(str(tmp_path / "go"))
    fast = [identity.remote(i) for i in range(3)]
    ready, not_ready = photon.wait([slow] + fast, num_returns=3, timeout=60)
    assert ready == fast and not_ready == [slow]
    ready, not_ready = photon.wait([slow] + fast, num_returns=1, timeout=60)
    assert ready == [fast[0]] and not_ready == [slow] + fast[1:]
    ready, not_ready = photon.wait([slow], timeout=0.1)
    assert ready == [] and not_ready == [slow]
    (tmp_path / "go").touch()
    ready, not_ready = photon.wait([slow] + fast, num_returns=4, timeout=60, fetch_local=False)
    assert set(ready) == {slow, *fast} and not_ready == []


def test_wait_checks_its_arguments(photon_local):
    ref = photon.put(1)
    with pytest.raises(TypeError, match="list of ObjectRefs"):
        photon.wait(ref)
    with pytest.raises(TypeError, match="item 0"):
        photon.wait([1])
    with pytest.raises(ValueError, match="num_returns"):
        photon.wait([ref], num_returns=2)
    with pytest.raises(ValueError, match="twice"):
        photon.wait([ref, ref])


def test_object_ref_identity(photon_local):
    ref = photon.put("v")
    assert re.fullmatch(r"[0-9a-f]+", ref.hex())
    assert ref.binary() == bytes.fromhex(ref.hex())
    assert ref == ref and hash(ref) == hash(ref)
    assert ref != photon.put("v")
    assert ref.hex() in repr(ref)


def test_refs_inside_returned_values(photon_local):
    @photon.remote
    def make():
        return [photon.put("inner"), photon.put(np.ones(300_000))]

    inner, big = photon.get(make.remote())
    assert photon.get(inner, timeout=30) == "inner"
    assert photon.get(big, timeout=30).sum() == 300_000


def test_refs_returned_by_an_actor_that_keeps_them(photon_local):
    @photon.remote
    class Holder:
        def __init__(self):
            self.refs = [photon.put("inner"), photon.put(np.ones(300_000))]

        def refs_(self):
            return self.refs

    holder = Holder.remote()
    inner, big = photon.get(holder.refs_.remote())
    assert photon.get(inner) == "inner"
    assert photon.get(big).sum() == 300_000


def test_object_freed_when_refs_dropped_then_put_again(photon_local):
    # A ~64 MiB value put many times: the store (512 MiB) only fits them all
    # if each is freed once its ref is gone.
    for _ in range(20):
        ref = photon.put(np.zeros(64 * MiB, dtype=np.uint8))
        assert photon.get(ref).nbytes == 64 * MiB
        del ref
        gc.collect()


def test_await_ref_in_driver(photon_local):
    async def main():
        one = await identity.remote(1)
        both = await asyncio.gather(identity.remote(2), identity.remote(3))
        return one, both

    assert asyncio.run(main()) == (1, [2, 3])


def test_future(photon_local):
    assert identity.remote("f").future().result(timeout=60) == "f"


# --- zero copy

def _store_mappings():
    """(start, end) of this process's mappings of a shared-memory store
    file (object_store/shared_memory.cc: /dev/shm/photon-store-*, unlinked)."""
    spans = []
    with open("/proc/self/maps") as f:
        for line in f:
            if "/dev/shm/photon-store-" in line:
                start, end = line.split()[0].split("-")
                spans.append((int(start, 16), int(end, 16)))
    return spans


def _buffer_of(array):
    """The photon._core.Buffer at the end of a NumPy array's base chain."""
    base = array
    while base is not None:
        if isinstance(base, memoryview):
            base = base.obj
        elif isinstance(base, _core.Buffer):
            return base
        else:
            base = getattr(base, "base", None)
    return None


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_large_array_is_a_read_only_view_of_the_store(photon_local):
    array = np.arange(25 * MiB // 8, dtype=np.int64)
    got = photon.get(photon.put(array))
    np.testing.assert_array_equal(got, array)
    assert not got.flags.writeable
    buffer = _buffer_of(got)
    assert buffer is not None, "the array's base chain does not reach a photon._core.Buffer"
    assert buffer.in_shared_memory
    address = got.__array_interface__["data"][0]
    assert any(start <= address and address + got.nbytes <= end for start, end in _store_mappings()), \
        "the array's data is not inside the object store mapping"
    assert buffer.address <= address < buffer.address + len(buffer)
    with pytest.raises(ValueError):
        got[0] = 1


def test_task_result_array_is_zero_copy_too(photon_local):
    @photon.remote
    def make(n):
        return np.full(n, 7, dtype=np.uint8)

    got = photon.get(make.remote(8 * MiB))
    assert got.sum() == 7 * 8 * MiB
    buffer = _buffer_of(got)
    assert buffer is not None and buffer.in_shared_memory
    address = got.__array_interface__["data"][0]
    assert any(start <= address < end for start, end in _store_mappings())


def test_two_gets_share_memory(photon_local):
    ref = photon.put(np.ones(4 * MiB, dtype=np.uint8))
    a, b = photon.get(ref), photon.get(ref)
    assert np.shares_memory(a, b)


def test_get_of_100_mib_copies_nothing(photon_local):
    ref = photon.put(np.ones(100 * MiB, dtype=np.uint8))
    gc.collect()
    before = _rss_bytes()
    got = photon.get(ref)
    after = _rss_bytes()
    assert got.nbytes == 100 * MiB
    # A copy would fault in 100 MiB of private memory; a view maps none
    # until read (and reading maps shared pages, not private ones).
    assert after - before < 10 * MiB, f"RSS grew by {(after - before) / MiB:.1f} MiB on get"
    assert _buffer_of(got).in_shared_memory
    address = got.__array_interface__["data"][0]
    assert any(start <= address and address + got.nbytes <= end for start, end in _store_mappings())


def test_small_values_are_not_in_shared_memory(photon_local):
    got = photon.get(photon.put(np.ones(16, dtype=np.uint8)))
    buffer = _buffer_of(got)
    assert buffer is not None and not buffer.in_shared_memory
