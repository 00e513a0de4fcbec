#!/usr/bin/python3
"""Photon's Python quick start: tasks, an actor, and a NumPy array passed by
reference. Run it on a running cluster (`photon start --head`) or alone
(photon.init() then starts a local cluster for this script)."""

import numpy as np

import photon


@photon.remote
def square(x):
    return x * x


@photon.remote
def column_sums(matrix):
    # `matrix` arrives as a read-only view of the object store: no copy.
    return matrix.sum(axis=0)


@photon.remote
class Counter:
    def __init__(self, start):
        self.value = start

    def add(self, n):
        self.value += n
        return self.value


def main():
    info = photon.init()
    print(f"connected to {info['address']} (job {info['job_id']})")

    squares = photon.get([square.remote(i) for i in range(8)])
    print("squares:", squares)

    counter = Counter.remote(100)
    for n in (1, 2, 3):
        counter.add.remote(n)
    print("counter:", photon.get(counter.add.remote(0)))

    matrix = np.arange(1_000_000, dtype=np.float64).reshape(1000, 1000)
    ref = photon.put(matrix)                 # 8 MB into the shared-memory store
    sums = photon.get(column_sums.remote(ref))
    assert np.allclose(sums, matrix.sum(axis=0))
    print(f"column sums of a {matrix.shape} array passed by reference: first {sums[:3]}, total {sums.sum():.0f}")

    print("cluster resources:", {k: v for k, v in photon.cluster_resources().items() if k in ("CPU", "GPU")})
    photon.shutdown()


if __name__ == "__main__":
    main()
