"""ObjectRefs inside values: kept alive while any process holds them (inside
a task's result, passed on by a borrower to a third process), freed once
none does (the owners' reference tables go back to where they were)."""

import numpy as np

import photon
from testutil import wait_until


def _references():
    return photon._private.state.state.core.num_references()


@photon.remote
class Maker:
    def make(self):
        return [photon.put("inner"), photon.put(np.ones(300_000))]

    def references(self):
        return _references()


@photon.remote
class Keeper:
    def __init__(self):
        self.kept = None

    def keep(self, refs):
        self.kept = refs
        return len(refs)

    def pass_on(self, other, refs):
        """Hands `refs` (borrowed from the driver) to `other`, then forgets them."""
        return photon.get(other.keep.remote(refs))

    def total(self):
        return float(photon.get(self.kept[0]).sum())

    def drop(self):
        self.kept = None

    def references(self):
        return _references()


def test_refs_inside_a_result_live_while_the_caller_holds_them(photon_local):
    maker = Maker.remote()
    baseline = photon.get(maker.references.remote())
    outer = maker.make.remote()
    inner, big = photon.get(outer)
    del outer
    # The maker's own handles are gone: only the driver's keep them.
    assert photon.get(inner, timeout=30) == "inner"
    assert photon.get(big, timeout=30).sum() == 300_000
    assert photon.get(maker.references.remote()) == baseline + 2
    del inner, big
    wait_until(lambda: photon.get(maker.references.remote()) == baseline, what="the inner objects to be freed")
    photon.kill(maker)


def test_a_result_holds_its_inner_refs_until_it_is_read(photon_local):
    maker = Maker.remote()
    baseline = photon.get(maker.references.remote())
    outer = maker.make.remote()
    photon.wait([outer], timeout=30)
    assert photon.get(maker.references.remote()) == baseline + 2  # held for the unread result
    inner, _ = photon.get(outer)
    assert photon.get(inner) == "inner"
    del outer, inner, _
    wait_until(lambda: photon.get(maker.references.remote()) == baseline, what="the inner objects to be freed")
    photon.kill(maker)


def test_a_borrower_passing_a_ref_on_keeps_it_alive(photon_local):
    before = _references()
    first, second = Keeper.remote(), Keeper.remote()
    x = photon.put(np.ones(200_000))
    # first borrows x, hands it to second and forgets it; the driver drops x.
    assert photon.get(first.pass_on.remote(second, [x])) == 1
    del x
    assert photon.get(second.total.remote(), timeout=30) == 200_000.0
    # second borrows from first, which keeps its own borrow from the driver.
    assert _references() == before + 1
    photon.get(second.drop.remote())
    wait_until(lambda: _references() == before, what="x to be freed once nobody holds it")
    wait_until(lambda: photon.get(first.references.remote()) == 0, what="first to let its borrow go")
    photon.kill(first)
    photon.kill(second)


@photon.remote
def read_first(outer):
    """Reads a put value holding refs, then the first ref inside it."""
    return float(photon.get(photon.get(outer[0])[0]).sum())


@photon.remote
class Holder:
    def __init__(self):
        self.inner = None

    def hold(self, outer):
        self.inner = photon.get(outer[0])  # a list holding a ref, read from the store
        return True

    def total(self):
        return float(photon.get(self.inner[0]).sum())

    def drop(self):
        self.inner = None


def test_a_ref_inside_a_put_value_outlives_the_drivers_handle(photon_local):
    before = _references()
    inner = photon.put(np.ones(100_000))
    outer = photon.put([inner])
    del inner
    # The put value keeps its inner ref alive; a task reading it borrows it.
    assert photon.get(read_first.remote([outer]), timeout=30) == 100_000.0
    del outer
    wait_until(lambda: _references() == before, what="the put value and its inner ref to be freed")


def test_actor_state_keeps_a_ref_read_from_a_put_value(photon_local):
    before = _references()
    holder = Holder.remote()
    inner = photon.put(np.ones(50_000))
    outer = photon.put([inner])
    assert photon.get(holder.hold.remote([outer]), timeout=30)
    del inner, outer
    # Only the actor's state names the inner ref now; it must still be readable.
    assert photon.get(holder.total.remote(), timeout=30) == 50_000.0
    assert _references() == before + 1
    photon.get(holder.drop.remote())
    wait_until(lambda: _references() == before, what="the inner ref to be freed after the actor dropped it")
    photon.kill(holder)
