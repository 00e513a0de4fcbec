#!/usr/bin/python3
"""PyTorch data-parallel training and a hyperparameter search on Photon (Ray's
PyTorch benchmark, on Photon's core API).

An MLP 784-512-512-10 learns FashionMNIST-shaped data (60,000 28x28 images
in 10 classes: synthetic by default, or the standard IDX files in --data)
with SGD (lr 1e-3, batch 64) and cross-entropy. Each training is
--num-workers actors of --cpus-per-worker CPUs in a STRICT_PACK placement
group, running DistributedDataParallel over gloo (nccl with --use-gpu):
rank 0's actor reports its node's IP and a free port, and every rank joins
tcp://IP:PORT. Each rank reads its shard of the data from the object store.

    /usr/bin/python3 examples/pytorch_benchmark.py [--epochs 4] [--num-workers 4]
        [--cpus-per-worker 2] [--num-trials 8] [--data DIR] [--use-gpu]

First one training at lr 1e-3 (its time and held-out accuracy), then
--num-trials trainings with learning rates drawn log-uniformly in
[1e-4, 1e-1], as many at once as the cluster's nodes fit, each reporting its
loss per epoch; then the best trial and

    Results run 1: {'train_time': T, 'tune_time': U}

(seconds; U is the wall time of all trials; None with --num-trials 0).

Fault tolerance: after every epoch rank 0 returns a checkpoint (model and
optimizer state) to this driver, which owns it, so it outlives the workers.
When a worker dies the driver kills the training's other workers, removes
its placement group, starts a new group and workers and resumes from the
last checkpoint ("trial 3 resumed from epoch 2"), up to --max-failures times.

Test aid: --kill-worker-after-epoch TRIAL:EPOCH (TRIAL a trial's index or
"train") makes the last rank of that training SIGKILL itself halfway through
the epoch after EPOCH, once, to exercise the resume.
"""

import argparse
import math
import os
import random
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import photon  # noqa: E402
import pytorch_data  # noqa: E402
from photon.exceptions import RayActorError  # noqa: E402
from photon.util import placement_group, remove_placement_group  # noqa: E402
from photon.util.scheduling_strategies import PlacementGroupSchedulingStrategy  # noqa: E402

_print_lock = threading.Lock()


def say(*args):
    with _print_lock:
        print(*args, flush=True)


@photon.remote(max_restarts=0)
class TrainWorker:
    """One DDP rank (pytorch_data.RankTrainer) in its own process."""

    def __init__(self, rank, world_size, num_threads, use_gpu):
        if use_gpu:
            import torch
            if not torch.cuda.is_available():
                raise RuntimeError(f"--use-gpu: rank {rank} has no usable GPU "
                                   f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r})")
        self.trainer = pytorch_data.RankTrainer(rank, world_size, num_threads, use_gpu)

    def rendezvous(self):
        """(this node's IP, a free port) for tcp:// rendezvous: rank 0's
        process group store listens there."""
        node_id = photon.get_runtime_context().get_node_id()
        ip = next(n["NodeManagerAddress"] for n in photon.nodes() if n["NodeID"] == node_id)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((ip, 0))
            return ip, s.getsockname()[1]

    def setup(self, init_method, train, test, lr, batch_size, checkpoint, seed):
        """Joins the group and loads this rank's shards (they arrive as
        object-store views) and the checkpoint; returns the epochs done."""
        self.trainer.join(init_method)
        return self.trainer.load(train, test, lr, batch_size, checkpoint, seed)

    def epoch(self, die_after_steps=None):
        return self.trainer.epoch(die_after_steps)

    def evaluate(self):
        result = self.trainer.evaluate()
        self.trainer.leave()
        return result


class WorkerDied(Exception):
    pass


def gather(refs, grace_s=30):
    """The results of one call per rank, in order. A dead worker raises
    WorkerDied at once; another error waits up to grace_s for the others
    (a rank that fails because its peer died is not the cause) and is
    raised if no worker turns out dead."""
    position = {ref: i for i, ref in enumerate(refs)}
    results, pending, error, deadline = [None] * len(refs), list(refs), None, None
    while pending:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, pending = photon.wait(pending, num_returns=1, timeout=timeout)
        if not ready:
            break
        try:
            results[position[ready[0]]] = photon.get(ready[0])
        except RayActorError as e:
            raise WorkerDied(str(e).splitlines()[0]) from e
        except Exception as e:  # noqa: BLE001 - re-raised below unless a worker died
            error = error or e
            deadline = deadline or time.monotonic() + grace_s
    if error is not None:
        raise error
    return results


class Data:
    """The training and held-out sets, put in the object store once per
    rank's shard (this driver owns them, so they outlive any worker)."""

    def __init__(self, args, arrays=None):
        """arrays: ((x, y), (test_x, test_y)) already made (else made here)."""
        start = time.perf_counter()
        (x, y), (tx, ty) = arrays or pytorch_data.train_and_test(args.num_samples, args.seed, args.data)
        self.generate_s = time.perf_counter() - start
        start = time.perf_counter()
        n = args.num_workers
        self.train = [self._put(x, y, pytorch_data.shard(len(y), r, n, args.seed)) for r in range(n)]
        self.test = [self._put(tx, ty, pytorch_data.shard(len(ty), r, n, args.seed)) for r in range(n)]
        self.put_s = time.perf_counter() - start
        self.num_train, self.num_test = len(y), len(ty)
        self.steps_per_epoch = math.ceil((len(y) // n) / args.batch_size)

    @staticmethod
    def _put(x, y, index):
        return photon.put((np.ascontiguousarray(x[index]), np.ascontiguousarray(y[index])))


class Training:
    """One training (the lr 1e-3 run or one trial) with its resume logic."""

    def __init__(self, name, lr, args, data, kill_after_epoch=None):
        self.name, self.lr, self.args, self.data = name, lr, args, data
        self.kill_after_epoch = kill_after_epoch
        self.checkpoint = None  # (epochs done, bytes) of the last finished epoch
        self.losses = []
        self.times = {"start": 0.0, "transfer": 0.0, "train": 0.0, "gather": 0.0}

    def run(self):
        """Returns {"accuracy", "loss" (held-out), "losses" (per epoch), "time", phases}."""
        start, failures = time.perf_counter(), 0
        while True:
            try:
                accuracy, loss = self._attempt()
                break
            except WorkerDied as e:
                failures += 1
                if failures > self.args.max_failures:
                    raise RuntimeError(f"{self.name}: a worker died {failures} times; last: {e}") from e
                done = self.checkpoint[0] if self.checkpoint else 0
                say(f"{self.name}: a worker died ({e}); restarting its workers")
                say(f"{self.name} resumed from epoch {done}")
        return dict(self.times, accuracy=accuracy, loss=loss, losses=list(self.losses), lr=self.lr,
                    time=time.perf_counter() - start, failures=failures)

    def _attempt(self):
        args, n = self.args, self.args.num_workers
        t0 = time.perf_counter()
        bundle = {"CPU": args.cpus_per_worker, **({"GPU": 1} if args.use_gpu else {})}
        pg = placement_group([dict(bundle) for _ in range(n)], strategy="STRICT_PACK")
        workers = []
        try:
            photon.get(pg.ready(), timeout=args.placement_timeout_s)
            workers = [TrainWorker.options(
                num_cpus=args.cpus_per_worker, num_gpus=1 if args.use_gpu else 0,
                scheduling_strategy=PlacementGroupSchedulingStrategy(pg, placement_group_bundle_index=rank),
            ).remote(rank, n, args.cpus_per_worker, args.use_gpu) for rank in range(n)]
            gather([w.__ray_ready__.remote() for w in workers])  # every process up, torch imported
            ip, port = gather([workers[0].rendezvous.remote()])[0]
            t1 = time.perf_counter()
            checkpoint = photon.put(self.checkpoint[1]) if self.checkpoint else None
            setups = gather([w.setup.remote(f"tcp://{ip}:{port}", self.data.train[rank], self.data.test[rank],
                                            self.lr, args.batch_size, checkpoint, args.seed)
                             for rank, w in enumerate(workers)])
            t2 = time.perf_counter()
            self.times["start"] += t1 - t0
            self.times["transfer"] += t2 - t1
            for epoch in range(setups[0], args.epochs):
                e0 = time.perf_counter()
                die = None
                if self.kill_after_epoch is not None and epoch == self.kill_after_epoch:
                    self.kill_after_epoch = None  # once
                    die = max(1, self.data.steps_per_epoch // 2)
                results = gather([w.epoch.remote(die if rank == n - 1 else None)
                                  for rank, w in enumerate(workers)])
                self.times["train"] += time.perf_counter() - e0
                loss, seconds, state = results[0]
                self.checkpoint = (epoch + 1, state)
                self.losses.append(loss)
                say(f"{self.name} (lr {self.lr:.2e}) epoch {epoch + 1}/{args.epochs}: loss {loss:.4f} "
                    f"({seconds:.2f} s)")
            g0 = time.perf_counter()
            accuracy, loss = gather([w.evaluate.remote() for w in workers])[0]
            self.times["gather"] += time.perf_counter() - g0
            return accuracy, loss
        finally:
            for w in workers:
                photon.kill(w)
            remove_placement_group(pg)


def node_capacity(args):
    """How many trainings fit at once: per alive node, the STRICT_PACK groups
    its CPUs (and GPUs) hold."""
    need_cpu = args.num_workers * args.cpus_per_worker
    fits = []
    for node in photon.nodes():
        if not node["Alive"]:
            continue
        res = node["Resources"]
        k = int(res.get("CPU", 0) // need_cpu) if need_cpu else 0
        if args.use_gpu:
            k = min(k, int(res.get("GPU", 0) // args.num_workers))
        fits.append(k)
    return sum(fits)


def fail(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(2)


def check_cluster(args):
    if args.use_gpu:
        gpus = photon.cluster_resources().get("GPU", 0)
        if gpus < 1:
            fail("--use-gpu: this cluster has no GPUs (cluster_resources() lists GPU 0); run without "
                     "--use-gpu, or start nodes on machines with NVIDIA GPUs (photon start --num-gpus N)")
    if node_capacity(args) < 1:
        per = f"{args.num_workers * args.cpus_per_worker} CPUs" + (f" and {args.num_workers} GPUs"
                                                                   if args.use_gpu else "")
        biggest = max((n["Resources"].get("CPU", 0) for n in photon.nodes() if n["Alive"]), default=0)
        fail(f"a training needs {per} on one node (STRICT_PACK: {args.num_workers} workers x "
                 f"{args.cpus_per_worker} CPUs); the largest node has {biggest:g} CPUs. Lower --num-workers "
                 f"or --cpus-per-worker, or add bigger nodes")


def parse_kill(value):
    trial, sep, epoch = value.partition(":")
    if not sep or not epoch.isdigit() or not (trial == "train" or trial.isdigit()):
        raise argparse.ArgumentTypeError("expected TRIAL:EPOCH, TRIAL a trial's index or 'train'")
    return trial, int(epoch)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--address", default=None, help="the cluster to join (default: PHOTON_ADDRESS, else the "
                                                   "latest local cluster, else a new one)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--num-workers", type=int, default=4)
    p.add_argument("--cpus-per-worker", type=int, default=2)
    p.add_argument("--num-trials", type=int, default=8, help="trainings of the search (0: none)")
    p.add_argument("--num-runs", type=int, default=1, help="times to run training and search")
    p.add_argument("--lr", type=float, default=1e-3, help="the training's learning rate")
    p.add_argument("--batch-size", type=int, default=64, help="per worker")
    p.add_argument("--num-samples", type=int, default=60_000, help="training images (synthetic, or the "
                                                                     "first of --data's)")
    p.add_argument("--data", default=None, help="a folder with train-images-idx3-ubyte and "
                                                "train-labels-idx1-ubyte (optionally .gz, and t10k-* for "
                                                "the held-out set); default: synthetic")
    p.add_argument("--use-gpu", action="store_true", help="one GPU per worker (nccl)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-failures", type=int, default=3, help="worker deaths a training survives")
    p.add_argument("--placement-timeout-s", type=float, default=600)
    p.add_argument("--kill-worker-after-epoch", type=parse_kill, default=None, metavar="TRIAL:EPOCH",
                   help="test aid: the last rank of that training SIGKILLs itself in the next epoch")
    args = p.parse_args(argv)
    for name in ("epochs", "num_workers", "cpus_per_worker", "num_runs", "batch_size", "num_samples"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.num_trials < 0:
        p.error("--num-trials must be at least 0")
    return args


def kill_epoch_for(args, name):
    if args.kill_worker_after_epoch and args.kill_worker_after_epoch[0] == name:
        return args.kill_worker_after_epoch[1]
    return None


def train(args, data):
    training = Training("train", args.lr, args, data, kill_epoch_for(args, "train"))
    result = training.run()
    say(f"training: {result['time']:.2f} s (start {result['start']:.2f}, transfer {result['transfer']:.2f}, "
        f"train {result['train']:.2f}, gather {result['gather']:.2f}); held-out accuracy "
        f"{result['accuracy']:.4f}, loss {result['loss']:.4f}")
    return result


def tune(args, data, run):
    rng = random.Random(args.seed * 7919 + run)
    lrs = [10 ** rng.uniform(-4, -1) for _ in range(args.num_trials)]
    at_once = min(node_capacity(args), args.num_trials)
    say(f"search: {args.num_trials} trials, {at_once} at once")
    trials = [Training(f"trial {i}", lr, args, data, kill_epoch_for(args, str(i))) for i, lr in enumerate(lrs)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        results = list(pool.map(lambda t: t.run(), trials))
    tune_time = time.perf_counter() - start
    for i, r in enumerate(results):
        say(f"trial {i}: lr {r['lr']:.2e}, held-out loss {r['loss']:.4f}, accuracy {r['accuracy']:.4f}, "
            f"{r['time']:.2f} s" + (f", {r['failures']} restarts" if r["failures"] else ""))
    best = min(range(len(results)), key=lambda i: results[i]["loss"])
    say(f"best trial {best}: lr {results[best]['lr']:.2e}, held-out loss {results[best]['loss']:.4f}, "
        f"accuracy {results[best]['accuracy']:.4f}")
    return tune_time


def main(argv=None):
    args = parse_args(argv)
    photon.init(address=args.address)
    check_cluster(args)
    data = Data(args)
    source = args.data or "synthetic"
    say(f"data: {data.num_train} training and {data.num_test} held-out images ({source}) in "
        f"{data.generate_s:.2f} s, put as {args.num_workers} shards in {data.put_s:.2f} s")
    for run in range(args.num_runs):
        result = train(args, data)
        tune_time = tune(args, data, run) if args.num_trials else None
        times = {"train_time": round(result["time"], 3),
                 "tune_time": None if tune_time is None else round(tune_time, 3)}
        say(f"Results run {run + 1}: {times}")


if __name__ == "__main__":
    main()
