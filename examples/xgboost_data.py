"""The data of examples/xgboost_benchmark.py (and bench/compare_xgboost.py):
a seeded synthetic binary-classification set made in parallel by tasks, or a
folder of CSV / .npy files read in parallel by tasks. Either way each shard
is two objects in the store, a float32 matrix (rows x features) and its
float32 labels, made inside the placement-group bundle of the worker that
will train on it, so a worker reads its shards where they were made.

The synthetic set: FEATURES float32 features of N(0, 1) per row (400 bytes a
row, the width of Ray's benchmark set: 100G is ~268M rows); the label is 1
with probability sigmoid(2 * (x[:INFORMATIVE] . w + noise)), w a fixed
random vector, so a model can learn it (10 rounds reach ~0.78 accuracy;
chance is 0.5). Shard i of a run is drawn from its own generator seeded by
(seed, i), so the same arguments give the same data whatever runs it.

A --data folder holds *.csv and/or *.npy files, one shard each:
  *.csv  numbers separated by commas, one row per line, the last column the
         label (0 or 1); a first line that is not numeric is a header.
  *.npy  a 2-D array (any real dtype) laid out as the CSV: features then
         the label in the last column.
"""

import glob
import os

import numpy as np

import photon
from photon.util.scheduling_strategies import PlacementGroupSchedulingStrategy

FEATURES = 100
INFORMATIVE = 20
ROW_BYTES = FEATURES * 4
SHARD_BYTES = 128 << 20  # the largest synthetic shard
_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text):
    """'10M', '1G', '100G' (binary units; a plain number is bytes) -> bytes."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in _UNITS:
        return int(float(text[:-1]) * _UNITS[text[-1]])
    return int(text)


def synthetic_shard(seed, index, rows):
    """Shard `index` of the synthetic set of `seed`: (X float32 rows x
    FEATURES, y float32 of 0/1)."""
    weights = np.random.default_rng([seed, 1 << 30]).standard_normal(INFORMATIVE).astype(np.float32)
    weights *= 1.5 / np.sqrt(INFORMATIVE)
    rng = np.random.default_rng([seed, index])
    x = rng.standard_normal((rows, FEATURES), dtype=np.float32)
    logit = x[:, :INFORMATIVE] @ weights
    logit += rng.standard_normal(rows, dtype=np.float32) * 0.5
    logit *= 2.0
    y = (rng.random(rows, dtype=np.float32) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    return x, y


def plan_shards(total_rows, num_workers, cpus_per_worker):
    """Rows of each synthetic shard, worker by worker: every worker gets an
    equal share, in at least `cpus_per_worker` shards of at most SHARD_BYTES."""
    per_worker = [total_rows // num_workers + (1 if w < total_rows % num_workers else 0)
                  for w in range(num_workers)]
    max_rows = max(1, SHARD_BYTES // ROW_BYTES)
    plan = []
    for rows in per_worker:
        count = max(cpus_per_worker, -(-rows // max_rows), 1)
        count = min(count, max(rows, 1))
        plan.append([rows // count + (1 if i < rows % count else 0) for i in range(count)])
    return plan


@photon.remote(num_returns=2)
def make_shard(seed, index, rows):
    return synthetic_shard(seed, index, rows)


def read_table(path):
    """A CSV or .npy file as (X float32, y float32): the last column is the label."""
    if path.endswith(".npy"):
        table = np.load(path, mmap_mode="r")
    else:
        with open(path) as f:
            first = f.readline()
        try:
            [float(v) for v in first.split(",")]
            skip = 0
        except ValueError:
            skip = 1
        table = np.loadtxt(path, delimiter=",", dtype=np.float32, skiprows=skip, ndmin=2)
    if table.ndim != 2 or table.shape[1] < 2:
        raise ValueError(f"{path}: expected rows of features then a label, got shape {table.shape}")
    return (np.ascontiguousarray(table[:, :-1], dtype=np.float32),
            np.ascontiguousarray(table[:, -1], dtype=np.float32))


@photon.remote(num_returns=2)
def read_file(path):
    return read_table(path)


def data_files(folder):
    files = sorted(glob.glob(os.path.join(folder, "*.csv")) + glob.glob(os.path.join(folder, "*.npy")))
    if not files:
        raise FileNotFoundError(f"--data {folder}: no *.csv or *.npy files there")
    return files


def _in_bundle(pg, index):
    return PlacementGroupSchedulingStrategy(placement_group=pg, placement_group_bundle_index=index)


def generate(pg, num_workers, cpus_per_worker, total_bytes, seed):
    """Starts the tasks making the synthetic set in the bundles of `pg`;
    returns each worker's shards as [(X ref, y ref), ...]."""
    plan = plan_shards(max(num_workers, total_bytes // ROW_BYTES), num_workers, cpus_per_worker)
    shards, index = [], 0
    for worker, sizes in enumerate(plan):
        mine = []
        for rows in sizes:
            mine.append(tuple(make_shard.options(scheduling_strategy=_in_bundle(pg, worker))
                              .remote(seed, index, rows)))
            index += 1
        shards.append(mine)
    return shards


def read_folder(pg, num_workers, folder):
    """Starts the tasks reading `folder`'s files (round-robin over the
    workers, each read in its worker's bundle); returns each worker's shards."""
    files = data_files(os.path.abspath(folder))
    if len(files) < num_workers:
        raise ValueError(f"--data {folder}: {len(files)} files for {num_workers} workers; "
                         "give at least one file per worker")
    shards = [[] for _ in range(num_workers)]
    for i, path in enumerate(files):
        worker = i % num_workers
        shards[worker].append(tuple(read_file.options(scheduling_strategy=_in_bundle(pg, worker)).remote(path)))
    return shards
