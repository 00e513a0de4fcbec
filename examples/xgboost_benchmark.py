#!/usr/bin/python3
"""Ray's XGBoost benchmark on Photon: distributed training with XGBoost's own
collective (one actor per worker in a placement group), then batch
prediction with an ActorPool; prints Ray's result line.

    /usr/bin/python3 examples/xgboost_benchmark.py --size 1G --num-workers 2 --cpus-per-worker 1
    /usr/bin/python3 examples/xgboost_benchmark.py --smoke-test
    /usr/bin/python3 examples/xgboost_benchmark.py --data ./my_csvs --num-workers 4

Data (examples/xgboost_data.py): without --data, a seeded synthetic set of
--size bytes of features (400 a row) made by tasks in each worker's bundle;
with --data, a folder of *.csv / *.npy files read by tasks the same way.

Training: a RabitTracker in this driver; each Trainer actor holds its shards
as zero-copy views of the object store, builds a QuantileDMatrix from them
(xgboost's own copy is one byte per value), joins the collective and runs
xgb.train(tree_method=hist, objective=binary:logistic, eval_metric=[logloss,
error]). After each round the rank-0 trainer hands the booster's bytes to a
CheckpointKeeper actor (which puts them in the object store and is never a
trainer, so the checkpoint outlives one). When a trainer dies, the actor is
restarted (max_restarts), a new tracker starts, and every trainer resumes
from the checkpoint for the rounds left ("resumed from round K").

Prediction: the booster is put once and loaded by every trainer, which then
serve as the predictors (xgboost already imported, shards already mapped): an
ActorPool of them predicts every shard in batches of 8,192 rows and counts
the correct labels. Prints `Results: {'training_time': ..., 'prediction_time': ...}`,
the accuracy, and where the time went; exits 1 if the accuracy is below 0.6.

Test scaffolding: --report-pids FILE writes {rank: pid} of the trainers (and
again after a restart); --slow-rounds S sleeps S seconds after each round, so
a test can kill a trainer mid-training.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import xgboost as xgb  # noqa: E402

import photon  # noqa: E402
import xgboost_data  # noqa: E402
from photon.exceptions import ActorDiedError, RayActorError  # noqa: E402
from photon.util import ActorPool, placement_group, remove_placement_group  # noqa: E402
from photon.util.scheduling_strategies import PlacementGroupSchedulingStrategy  # noqa: E402

BATCH_ROWS = 8192
MIN_ACCURACY = 0.6


class ShardIter(xgb.DataIter):
    """Feeds a worker's shards to xgboost.QuantileDMatrix one by one (no
    concatenation: xgboost reads each view where it lies)."""

    def __init__(self, parts):
        self._parts, self._next = parts, 0
        super().__init__()

    def next(self, input_data):
        if self._next == len(self._parts):
            return 0
        x, y = self._parts[self._next]
        input_data(data=x, label=y)
        self._next += 1
        return 1

    def reset(self):
        self._next = 0


class RoundDone(xgb.callback.TrainingCallback):
    """After each round: rank 0 checkpoints into the keeper (synchronously,
    so a round it reports is kept) and says so; every rank then sleeps
    `slow_rounds` seconds (test scaffolding)."""

    def __init__(self, rank, keeper, slow_rounds):
        self.rank, self.keeper, self.slow_rounds = rank, keeper, slow_rounds
        super().__init__()

    def after_iteration(self, model, epoch, evals_log):
        rounds = model.num_boosted_rounds()
        if self.rank == 0:
            photon.get(self.keeper.save.remote(rounds, model.save_raw()))
            print(f"checkpoint: round {rounds}", flush=True)
        if self.slow_rounds:
            time.sleep(self.slow_rounds)
        return False


@photon.remote(num_cpus=0)
class CheckpointKeeper:
    """The last completed round's booster, in the object store, owned by this
    actor (never a trainer, so it outlives a trainer's death)."""

    def __init__(self):
        self.rounds = 0
        self.ref = None

    def save(self, rounds, raw):
        if rounds > self.rounds:
            self.rounds, self.ref = rounds, photon.put(bytes(raw))
        return self.rounds

    def latest(self):
        return self.rounds, [self.ref]  # nested, so the caller gets the ref itself


@photon.remote
class Trainer:
    def __init__(self, rank, shards, nthread):
        self.rank, self.shards, self.nthread = rank, shards, nthread
        self.parts = None

    def load(self):
        """Maps this worker's shards (zero-copy); returns what it found."""
        start = time.perf_counter()
        if self.parts is None:
            arrays = photon.get([ref for pair in self.shards for ref in pair])
            self.parts = list(zip(arrays[0::2], arrays[1::2]))
        return {"rank": self.rank, "pid": os.getpid(), "rows": sum(len(y) for _, y in self.parts),
                "node": photon.get_runtime_context().node_id, "seconds": time.perf_counter() - start}

    def train(self, envs, params, rounds, checkpoint, keeper, slow_rounds):
        self.load()
        start = time.perf_counter()
        with xgb.collective.CommunicatorContext(**envs):
            dtrain = xgb.QuantileDMatrix(ShardIter(self.parts), nthread=self.nthread, max_bin=256)
            built = time.perf_counter()
            evals = {}
            booster = xgb.train(dict(params, nthread=self.nthread), dtrain, rounds, evals=[(dtrain, "train")],
                                evals_result=evals, verbose_eval=False,
                                xgb_model=None if checkpoint is None else bytearray(checkpoint),
                                callbacks=[RoundDone(self.rank, keeper, slow_rounds)])
        done = time.perf_counter()
        return {"rank": self.rank, "booster": booster.save_raw() if self.rank == 0 else None,
                "evals": evals, "dmatrix_s": built - start, "boost_s": done - built, "wall_s": done - start}

    # --- prediction: the same processes (xgboost loaded, shards mapped) serve as the predictors

    def use_booster(self, booster_raw):
        self.booster = xgb.Booster(model_file=bytearray(booster_raw))
        self.booster.set_param({"nthread": self.nthread})

    def predict(self, x, y):
        """(correct, rows) over one shard, predicted BATCH_ROWS at a time."""
        correct = 0
        for start in range(0, len(y), BATCH_ROWS):
            p = self.booster.inplace_predict(x[start:start + BATCH_ROWS])
            correct += int(((p > 0.5) == (y[start:start + BATCH_ROWS] > 0.5)).sum())
        return correct, len(y)


def _driver_ip():
    me = photon.get_runtime_context().node_id
    for node in photon.nodes():
        if node["NodeID"] == me:
            return node["NodeManagerAddress"]
    return os.environ.get("PHOTON_NODE_IP", "127.0.0.1")


def _in_bundle(pg, index):
    return PlacementGroupSchedulingStrategy(placement_group=pg, placement_group_bundle_index=index)


def _report_pids(path, loads):
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({str(info["rank"]): info["pid"] for info in loads}, f)
        os.replace(tmp, path)


def _start_tracker(n_workers):
    from xgboost.tracker import RabitTracker
    tracker = RabitTracker(host_ip=_driver_ip(), n_workers=n_workers, sortby="task")
    tracker.start(n_workers)
    return tracker


def _abandon_tracker(tracker):
    # Its thread waits for workers that will never come back: stop listening
    # (the daemon thread ends with this process).
    try:
        tracker.sock.close()
    except OSError:
        pass


def _collect(calls, trainers, grace_s):
    """Waits for every trainer's call; returns (results by rank, the first
    error or None). A peer's death fails the survivors' collective calls; any
    still running `grace_s` seconds after the first failure (e.g. waiting in
    the tracker for the dead one) are restarted too."""
    pending = {ref: rank for rank, ref in enumerate(calls)}
    results, errors, deadline, restarted = [None] * len(calls), [], None, False
    while pending:
        timeout = None if deadline is None or restarted else max(0.0, deadline - time.monotonic())
        ready, _ = photon.wait(list(pending), num_returns=1, timeout=timeout)
        if not ready:
            for rank in pending.values():
                photon.kill(trainers[rank], no_restart=False)
            restarted = True
            continue
        for ref in ready:
            rank = pending.pop(ref)
            try:
                results[rank] = photon.get(ref)
            except Exception as e:  # noqa: BLE001  the dead one's ActorDiedError, the survivors' XGBoostError
                errors.append(e)
                deadline = deadline or time.monotonic() + grace_s
    deaths = [e for e in errors if isinstance(e, (RayActorError, ActorDiedError))]
    return results, (deaths or errors or [None])[0]


def train(trainers, keeper, args, phases):
    """Trains args.rounds rounds across `trainers`, resuming from the last
    checkpoint after a trainer dies; returns (booster bytes, per-worker results)."""
    params = {"tree_method": "hist", "objective": "binary:logistic", "eval_metric": ["logloss", "error"]}
    failures = 0
    while True:
        attempt = time.perf_counter()
        done_rounds, (checkpoint,) = photon.get(keeper.latest.remote())
        if failures:
            print(f"resumed from round {done_rounds}", flush=True)
        if done_rounds >= args.rounds:  # the last round was kept before the failure
            return photon.get(checkpoint), []
        tracker = _start_tracker(len(trainers))
        envs = tracker.worker_envs()
        calls = [t.train.remote(dict(envs, DMLC_TASK_ID=f"[photon-xgboost]:{rank:06d}"), params,
                                args.rounds - done_rounds, checkpoint, keeper, args.slow_rounds)
                 for rank, t in enumerate(trainers)]
        results, died = _collect(calls, trainers, args.failure_grace_s)
        if died is None:
            tracker.join()
            phases["dispatch_gather_s"] = time.perf_counter() - attempt - max(r["wall_s"] for r in results)
            return results[0]["booster"], results
        _abandon_tracker(tracker)
        failures += 1
        print(f"a trainer failed ({type(died).__name__}: {str(died).splitlines()[0][:200]}); "
              f"failure {failures} of at most {args.max_failures}", flush=True)
        if failures > args.max_failures:
            raise died
        loads = photon.get([t.load.remote() for t in trainers])  # waits for the restarted actors
        _report_pids(args.report_pids, loads)
        phases["lost_to_failures_s"] = phases.get("lost_to_failures_s", 0.0) + time.perf_counter() - attempt


def predict(predictors, booster_raw, shards):
    """(correct, rows) over every shard by an ActorPool of `predictors`."""
    booster_ref = photon.put(bytes(booster_raw))  # broadcast once through the object store
    photon.get([p.use_booster.remote(booster_ref) for p in predictors])
    pool = ActorPool(predictors)
    all_shards = [pair for mine in shards for pair in mine]
    counts = list(pool.map_unordered(lambda actor, pair: actor.predict.remote(*pair), all_shards))
    return sum(c for c, _ in counts), sum(n for _, n in counts)


def _defaults(args):
    if args.smoke_test:
        args.size = args.size or "10M"
        args.num_workers = args.num_workers or 1
        args.cpus_per_worker = args.cpus_per_worker or 1
    args.size = args.size or "10G"
    alive = [n for n in photon.nodes() if n["Alive"]]
    node_cpus = [int(n["Resources"].get("CPU", 0)) for n in alive] or [1]
    if args.num_workers is None:
        args.num_workers = len(alive) if args.cpus_per_worker is None else max(
            1, sum(node_cpus) // args.cpus_per_worker)
    if args.cpus_per_worker is None:
        per_node = -(-args.num_workers // len(node_cpus))
        args.cpus_per_worker = max(1, min(node_cpus) // per_node)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", help="feature bytes of the synthetic set: 10M, 1G, 10G (default), 100G, "
                                       "or any size such as 2M")
    parser.add_argument("--data", help="a folder of *.csv / *.npy files instead (see examples/xgboost_data.py)")
    parser.add_argument("--num-workers", type=int, help="trainers (default: one per node, or as many as "
                                                        "--cpus-per-worker fits)")
    parser.add_argument("--cpus-per-worker", type=int, help="CPUs (and xgboost threads) of each trainer")
    parser.add_argument("--rounds", type=int, default=10, help="boosting rounds (10)")
    parser.add_argument("--strategy", default="SPREAD", help="the placement group's strategy (SPREAD)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic set (42)")
    parser.add_argument("--smoke-test", action="store_true", help="10M on one worker unless told otherwise")
    parser.add_argument("--address", help="the cluster (default: PHOTON_ADDRESS, else the latest local one, "
                                          "else a new one; 'local' always starts one)")
    parser.add_argument("--max-failures", type=int, default=3, help="trainer deaths to recover from (3)")
    parser.add_argument("--failure-grace-s", type=float, default=30.0,
                        help="after a trainer died, how long the others may take to fail before they are "
                             "restarted too (30)")
    parser.add_argument("--output-json", default=os.environ.get("TEST_OUTPUT_JSON"),
                        help="also write the results and phases here (default: $TEST_OUTPUT_JSON)")
    parser.add_argument("--report-pids", metavar="FILE", help="test scaffolding: write {rank: pid} of the trainers")
    parser.add_argument("--slow-rounds", type=float, default=0.0, metavar="S",
                        help="test scaffolding: sleep S seconds after each round")
    args = parser.parse_args()

    photon.init(address=args.address)
    _defaults(args)
    size_bytes = xgboost_data.parse_size(args.size)
    print(f"XGBoost benchmark: {args.data or args.size + ' synthetic'}, {args.num_workers} workers x "
          f"{args.cpus_per_worker} CPUs, {args.rounds} rounds, {args.strategy}", flush=True)
    phases = {}

    pg = placement_group([{"CPU": args.cpus_per_worker}] * args.num_workers, strategy=args.strategy)
    if not pg.wait(120):
        sys.exit(f"the placement group of {args.num_workers} x {args.cpus_per_worker} CPUs could not be placed "
                 f"in 120 s (cluster: {photon.cluster_resources()})")

    start = time.perf_counter()
    if args.data:
        shards = xgboost_data.read_folder(pg, args.num_workers, args.data)
    else:
        shards = xgboost_data.generate(pg, args.num_workers, args.cpus_per_worker, size_bytes, args.seed)
    all_refs = [ref for mine in shards for pair in mine for ref in pair]
    photon.wait(all_refs, num_returns=len(all_refs), timeout=None)
    phases["data_s"] = time.perf_counter() - start

    start = time.perf_counter()
    keeper = CheckpointKeeper.remote()
    trainers = [Trainer.options(num_cpus=args.cpus_per_worker, max_restarts=-1,
                                max_task_retries=0, scheduling_strategy=_in_bundle(pg, i))
                .remote(i, shards[i], args.cpus_per_worker) for i in range(args.num_workers)]
    loads = photon.get([t.load.remote() for t in trainers])
    phases["transfer_s"] = time.perf_counter() - start
    rows = sum(info["rows"] for info in loads)
    _report_pids(args.report_pids, loads)
    print(f"{rows:,} rows in {sum(len(m) for m in shards)} shards on {len({i['node'] for i in loads})} "
          f"node(s); data {phases['data_s']:.2f} s, actors up and shards mapped {phases['transfer_s']:.2f} s",
          flush=True)

    start = time.perf_counter()
    booster_raw, results = train(trainers, keeper, args, phases)
    training_time = time.perf_counter() - start
    booster = xgb.Booster(model_file=bytearray(booster_raw))
    print(f"rounds: {booster.num_boosted_rounds()}", flush=True)
    if results:
        last = results[0]["evals"]["train"]
        print(f"train logloss {last['logloss'][-1]:.4f}, error {last['error'][-1]:.4f}", flush=True)
        phases["dmatrix_s"] = max(r["dmatrix_s"] for r in results)
        phases["boost_s"] = max(r["boost_s"] for r in results)
    photon.kill(keeper)

    start = time.perf_counter()
    correct, predicted = predict(trainers, booster_raw, shards)
    prediction_time = time.perf_counter() - start
    for t in trainers:
        photon.kill(t)
    remove_placement_group(pg)
    accuracy = correct / predicted

    result = {"training_time": training_time, "prediction_time": prediction_time}
    print(f"Results: {result}", flush=True)
    print(f"accuracy: {accuracy:.4f} over {predicted:,} rows", flush=True)
    print("phases: " + ", ".join(f"{k} {v:.3f}" for k, v in phases.items()), flush=True)
    if args.output_json:
        with open(args.output_json, "w") as f:
            json.dump(dict(result, accuracy=accuracy, rows=predicted, rounds=booster.num_boosted_rounds(),
                           num_workers=args.num_workers, cpus_per_worker=args.cpus_per_worker, **phases), f)
    if accuracy < MIN_ACCURACY:
        print(f"accuracy {accuracy:.4f} is below {MIN_ACCURACY}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
