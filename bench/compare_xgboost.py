#!/usr/bin/python3
"""XGBoost on Photon beside xgboost.dask and a single process, on the same
data and the same workers, in one run on this machine.

    /usr/bin/python3 bench/compare_xgboost.py [--size 100M] [--num-workers 2] [--cpus-per-worker 1] [--rounds 10]

  photon  examples/xgboost_benchmark.py on a local cluster of its own
          (trainer actors in a placement group, an ActorPool predicting);
  dask    xgboost.dask on a LocalCluster of --num-workers processes of
          --cpus-per-worker threads (Debian's python3-distributed; xgboost.dask
          also needs python3-pandas), each shard made by a task on the worker
          that trains on it, DaskQuantileDMatrix, xgboost.dask.inplace_predict;
  floor   one process: xgb.train on a QuantileDMatrix of the same shards with
          num-workers x cpus-per-worker threads, then inplace_predict in
          batches of 8,192 rows.

All three use the synthetic set of examples/xgboost_data.py (same seed, same
shards), tree_method=hist, binary:logistic, eval_metric [logloss, error] on
the training set. Each runs in its own process tree; its peak memory is the
largest sum of PSS (shared pages split among the processes mapping them: the
object store counts once) sampled every 0.1 s. Training time: building the
DMatrix and boosting, until the booster is in the driver; prediction time:
the booster sent to the workers, every row predicted and the accuracy
counted. Goals: Photon's training <= 1.1x the floor and below Dask's; its
prediction throughput above Dask's.
"""

import argparse
import contextlib
import io
import json
import logging
import operator
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXAMPLES = os.path.join(REPO, "examples")
sys.path.insert(0, EXAMPLES)

import numpy as np  # noqa: E402

import xgboost_data  # noqa: E402

PARAMS = {"tree_method": "hist", "objective": "binary:logistic", "eval_metric": ["logloss", "error"]}
BATCH_ROWS = 8192


# --- the engines, each run as `compare_xgboost.py --engine NAME` in a process of its own

def _plan(args):
    rows = max(args.num_workers, xgboost_data.parse_size(args.size) // xgboost_data.ROW_BYTES)
    return xgboost_data.plan_shards(rows, args.num_workers, args.cpus_per_worker)


def run_floor(args):
    import xgboost as xgb

    threads = args.num_workers * args.cpus_per_worker
    out = {}
    start = time.perf_counter()
    parts, index = [], 0
    for sizes in _plan(args):
        for rows in sizes:
            parts.append(xgboost_data.synthetic_shard(args.seed, index, rows))
            index += 1
    out["data_s"] = time.perf_counter() - start

    class Parts(xgb.DataIter):
        def __init__(self):
            self.i = 0
            super().__init__()

        def next(self, input_data):
            if self.i == len(parts):
                return 0
            input_data(data=parts[self.i][0], label=parts[self.i][1])
            self.i += 1
            return 1

        def reset(self):
            self.i = 0

    start = time.perf_counter()
    dtrain = xgb.QuantileDMatrix(Parts(), nthread=threads, max_bin=256)
    out["dmatrix_s"] = time.perf_counter() - start
    booster = xgb.train(dict(PARAMS, nthread=threads), dtrain, args.rounds, evals=[(dtrain, "train")],
                        verbose_eval=False)
    out["training_time"] = time.perf_counter() - start
    out["boost_s"] = out["training_time"] - out["dmatrix_s"]

    start = time.perf_counter()
    correct = rows = 0
    for x, y in parts:
        for i in range(0, len(y), BATCH_ROWS):
            p = booster.inplace_predict(x[i:i + BATCH_ROWS])
            correct += int(((p > 0.5) == (y[i:i + BATCH_ROWS] > 0.5)).sum())
        rows += len(y)
    out["prediction_time"] = time.perf_counter() - start
    out.update(accuracy=correct / rows, rows=rows, rounds=booster.num_boosted_rounds())
    return out


def run_dask(args):
    import dask.array as da
    import xgboost.dask as dxgb
    from dask.distributed import Client, LocalCluster, wait

    logging.getLogger("distributed").setLevel(logging.ERROR)
    with contextlib.redirect_stderr(io.StringIO()):
        cluster = LocalCluster(n_workers=args.num_workers, threads_per_worker=args.cpus_per_worker,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    workers = sorted(client.scheduler_info()["workers"])
    out = {}
    start = time.perf_counter()
    xs, ys, index = [], [], 0
    for w, sizes in enumerate(_plan(args)):
        for rows in sizes:
            on = {"workers": [workers[w]], "pure": False}
            pair = client.submit(xgboost_data.synthetic_shard, args.seed, index, rows, **on)
            xs.append(da.from_delayed(client.submit(operator.getitem, pair, 0, **on),
                                      (rows, xgboost_data.FEATURES), np.float32))
            ys.append(da.from_delayed(client.submit(operator.getitem, pair, 1, **on), (rows,), np.float32))
            index += 1
    x, y = client.persist([da.concatenate(xs), da.concatenate(ys)])
    wait([x, y])
    out["data_s"] = time.perf_counter() - start

    start = time.perf_counter()
    dtrain = dxgb.DaskQuantileDMatrix(client, x, y, max_bin=256)
    out["dmatrix_setup_s"] = time.perf_counter() - start  # the partitions' map; the QDM is built inside train
    trained = dxgb.train(client, PARAMS, dtrain, args.rounds, evals=[(dtrain, "train")], verbose_eval=False)
    out["training_time"] = time.perf_counter() - start

    start = time.perf_counter()
    p = dxgb.inplace_predict(client, trained["booster"], x)
    correct = int(((p > 0.5) == (y > 0.5)).sum().compute())
    out["prediction_time"] = time.perf_counter() - start
    rows = int(x.shape[0])
    out.update(accuracy=correct / rows, rows=rows, rounds=trained["booster"].num_boosted_rounds())
    with contextlib.redirect_stderr(io.StringIO()):
        client.close()
        cluster.close()
    return out


# --- the parent: one process tree per engine, its peak PSS sampled

def _pss_bytes(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def run_measured(name, argv, env):
    """Runs `argv`; returns (its JSON result, peak PSS bytes of its tree, output)."""
    result_file = tempfile.NamedTemporaryFile(prefix=f"xgb-{name}-", suffix=".json", delete=False).name
    proc = subprocess.Popen(argv + ["--output-json", result_file], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], sum(_pss_bytes(p) for p in _tree(proc.pid)))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    sampler.join()
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{output[-4000:]}")
        with open(result_file) as f:
            return json.load(f), peak[0], output
    finally:
        os.unlink(result_file)


def _common(args):
    return ["--size", args.size, "--num-workers", str(args.num_workers), "--cpus-per-worker",
            str(args.cpus_per_worker), "--rounds", str(args.rounds), "--seed", str(args.seed)]


def run_photon(args):
    tmp = tempfile.mkdtemp(prefix="photon-xgb-compare-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_") and k != "RAY_ADDRESS"}
    env.update(PHOTON_TMPDIR=tmp, PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(REPO, "python"),
                                                                          env.get("PYTHONPATH")])))
    if os.environ.get("PHOTON_BIN_DIR"):
        env["PHOTON_BIN_DIR"] = os.environ["PHOTON_BIN_DIR"]
    try:
        return run_measured("photon", [sys.executable, os.path.join(EXAMPLES, "xgboost_benchmark.py"),
                                       "--address", "local"] + _common(args), env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_engine(name, args):
    return run_measured(name, [sys.executable, os.path.abspath(__file__), "--engine", name] + _common(args),
                        dict(os.environ))


def _row(label, values, fmt):
    cells = [("-" if v is None else format(v, fmt)) for v in values]
    print(f"{label:<34}" + "".join(f"{c:>12}" for c in cells))


def report(results, args):
    names = list(results)
    print(f"\n{args.size} ({int(results[names[0]][0]['rows']):,} rows x {xgboost_data.FEATURES} float32), "
          f"{args.num_workers} workers x {args.cpus_per_worker} CPUs, {args.rounds} rounds, {os.cpu_count()} cores, "
          f"median of {args.trials} trial(s);\n"
          f"load average (1 min) at the start {args.load_at_start:.2f}, at the end {os.getloadavg()[0]:.2f}\n")
    print(f"{'':<34}" + "".join(f"{n:>12}" for n in names))
    get = {n: results[n][0] for n in names}
    rows = [
        ("data generation (s)", "data_s"),
        ("actors up + shards mapped (s)", "transfer_s"),
        ("DMatrix build (s)", "dmatrix_s"),
        ("  dask: partitions mapped (s)", "dmatrix_setup_s"),
        ("boosting (s)", "boost_s"),
        ("dispatch + booster gather (s)", "dispatch_gather_s"),
        ("training_time (s)", "training_time"),
        ("prediction_time (s)", "prediction_time"),
    ]
    for label, key in rows:
        if any(key in get[n] for n in names):
            _row(label, [get[n].get(key) for n in names], ".3f")
    _row("prediction (M rows/s)", [get[n]["rows"] / get[n]["prediction_time"] / 1e6 for n in names], ".3f")
    _row("accuracy", [get[n]["accuracy"] for n in names], ".4f")
    _row("peak memory, PSS (MiB)", [results[n][1] / (1 << 20) for n in names], ",.0f")
    _row("  / bytes of features (x)", [results[n][1] / xgboost_data.parse_size(args.size) for n in names], ".2f")

    p = get.get("photon")
    if p is None:
        return
    print()
    if "floor" in get:
        ratio = p["training_time"] / get["floor"]["training_time"]
        print(f"photon training / floor   {ratio:6.2f}x   (goal <= 1.10x)")
    if "dask" in get:
        d = get["dask"]
        print(f"photon training / dask    {p['training_time'] / d['training_time']:6.2f}x   (goal < 1x)")
        print(f"photon / dask prediction throughput {d['prediction_time'] / p['prediction_time']:6.2f}x   "
              f"(goal > 1x)")
    if "floor" in get:
        print(f"photon / floor prediction throughput {get['floor']['prediction_time'] / p['prediction_time']:5.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="100M", help="feature bytes (100M)")
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument("--cpus-per-worker", type=int, help="default: the cores over the workers")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--only", default="photon,dask,floor", help="engines to run (photon,dask,floor)")
    parser.add_argument("--trials", type=int, default=1, help="runs of each engine, in turn; the table shows "
                                                              "each figure's median (1)")
    parser.add_argument("--engine", choices=["dask", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--output-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cpus_per_worker is None:
        args.cpus_per_worker = max(1, os.cpu_count() // args.num_workers)

    if args.engine:
        out = run_floor(args) if args.engine == "floor" else run_dask(args)
        with open(args.output_json, "w") as f:
            json.dump(out, f)
        return

    args.load_at_start = os.getloadavg()[0]
    runs = {}
    for trial in range(args.trials):
        for name in args.only.split(","):
            print(f"trial {trial + 1}/{args.trials}: {name:<6} ", end="", flush=True)
            try:
                done = run_photon(args) if name == "photon" else run_engine(name, args)
            except RuntimeError as e:
                if name == "photon":
                    raise
                print(f"failed, left out: {e}", flush=True)
                continue
            runs.setdefault(name, []).append(done)
            print(f"training {done[0]['training_time']:.3f} s, prediction {done[0]['prediction_time']:.3f} s, "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
    report({name: _median(done) for name, done in runs.items() if done}, args)


def _median(runs):
    """One engine's trials as one: the median of each figure, the largest peak."""
    keys = [k for k, v in runs[0][0].items() if isinstance(v, (int, float))]
    figures = {k: float(np.median([r[0][k] for r in runs if k in r[0]])) for k in keys}
    return figures, max(r[1] for r in runs), runs[-1][2]


if __name__ == "__main__":
    main()
