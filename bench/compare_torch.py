#!/usr/bin/python3
"""Photon's DDP training (examples/pytorch_benchmark.py's) beside the floor:
plain torch.distributed over gloo in processes launched by
torch.multiprocessing, running the same per-rank code (pytorch_data's
RankTrainer) on the same data, epochs and workers.

    /usr/bin/python3 bench/compare_torch.py [--epochs 4] [--num-workers 4] [--cpus-per-worker 2]
        [--num-samples 60000] [--repeats 1]

Prints where the time goes on each side: data generation (once, shared),
start (worker processes up with torch imported), transfer (the shards to
the workers, the process group joined, tensors built), train (the epochs),
gather (held-out evaluation and results back), teardown (the processes
ended: the floor waits for them to exit, Photon kills its actors and removes
the placement group without waiting), and Photon's total over the
floor's (goal <= 1.1x). With --repeats N each side runs N times, alternating,
and the fastest of each is shown. Photon runs on a local cluster of its own
(num_cpus = workers x CPUs) unless --address names one.
"""

import argparse
import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "examples")
sys.path.insert(0, EXAMPLES)
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import pytorch_data  # noqa: E402  (numpy only: spawned floor processes import this file)

PHASES = ("start", "transfer", "train", "gather", "teardown")


# --- the floor: torch.multiprocessing + torch.distributed

def _floor_rank(rank, world_size, init_method, num_threads, lr, batch_size, epochs, seed, inboxes, outbox):
    trainer = pytorch_data.RankTrainer(rank, world_size, num_threads)  # imports torch
    up = time.time()
    train, test = inboxes[rank].get()
    trainer.join(init_method)
    trainer.load(train, test, lr, batch_size, seed=seed)
    loaded = time.time()
    for _ in range(epochs):
        trainer.epoch()
    trained = time.time()
    accuracy, loss = trainer.evaluate()
    # No trainer.leave(): with torch 1.13, a process that destroyed its gloo
    # group now and then hangs at exit; ending the process ends the group.
    outbox.put((rank, up, loaded, trained, accuracy))


def floor_run(args, arrays):
    import torch
    import torch.multiprocessing as mp
    (x, y), (tx, ty) = arrays
    n = args.num_workers
    start = time.perf_counter()
    shards = []  # tensors in shared memory: what torch.multiprocessing hands over without a copy
    for rank in range(n):
        i, j = pytorch_data.shard(len(y), rank, n, args.seed), pytorch_data.shard(len(ty), rank, n, args.seed)
        shards.append(tuple(torch.from_numpy(a).share_memory_() for a in (x[i], y[i], tx[j], ty[j])))
    prepare = time.perf_counter() - start
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        init_method = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    ctx = mp.get_context("spawn")
    inboxes, outbox = [ctx.SimpleQueue() for _ in range(n)], ctx.SimpleQueue()
    t0 = time.time()
    context = mp.spawn(_floor_rank, args=(n, init_method, args.cpus_per_worker, args.lr, args.batch_size,
                                          args.epochs, args.seed, inboxes, outbox), nprocs=n, join=False)
    for rank in range(n):
        xs, ys, txs, tys = shards[rank]
        inboxes[rank].put(((xs, ys), (txs, tys)))
    reports = sorted(outbox.get() for _ in range(n))
    gathered = time.time()
    while not context.join():  # raises if a rank failed
        pass
    end = time.time()
    up, loaded, trained = (max(r[k] for r in reports) for k in (1, 2, 3))
    times = {"start": up - t0, "transfer": prepare + loaded - up, "train": trained - loaded,
             "gather": gathered - trained, "teardown": end - gathered}
    return dict(times, total=prepare + end - t0, accuracy=reports[0][4])


# --- Photon: the benchmark's own Training

def photon_run(args, arrays):
    import pytorch_benchmark as pb
    bench_args = pb.parse_args([
        "--epochs", str(args.epochs), "--num-workers", str(args.num_workers),
        "--cpus-per-worker", str(args.cpus_per_worker), "--num-samples", str(args.num_samples),
        "--lr", str(args.lr), "--batch-size", str(args.batch_size), "--seed", str(args.seed), "--num-trials", "0"])
    pb.check_cluster(bench_args)
    data = pb.Data(bench_args, arrays)
    result = pb.Training("photon", args.lr, bench_args, data).run()
    times = {k: result[k] for k in PHASES[:-1]}
    times["transfer"] += data.put_s
    times["teardown"] = result["time"] - sum(result[k] for k in PHASES[:-1])  # workers killed, group removed
    return dict(times, total=data.put_s + result["time"], accuracy=result["accuracy"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--num-workers", type=int, default=4)
    p.add_argument("--cpus-per-worker", type=int, default=2)
    p.add_argument("--num-samples", type=int, default=60_000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--address", default="local", help="Photon's cluster (default: a local one of its own)")
    args = p.parse_args()

    import photon
    photon.init(address=args.address, log_to_driver=False,
                **({"num_cpus": args.num_workers * args.cpus_per_worker} if args.address == "local" else {}))
    start = time.perf_counter()
    arrays = pytorch_data.train_and_test(args.num_samples, args.seed)
    generate_s = time.perf_counter() - start
    print(f"{args.num_workers} workers x {args.cpus_per_worker} CPUs, {args.epochs} epochs of {args.num_samples} "
          f"images (batch {args.batch_size}), {os.cpu_count()} cores here; data generated in {generate_s:.2f} s",
          flush=True)
    best = {"torch.multiprocessing": None, "photon": None}
    for i in range(args.repeats):
        for name, fn in (("torch.multiprocessing", floor_run), ("photon", photon_run)):
            r = fn(args, arrays)
            print(f"  run {i + 1} {name}: {r['total']:.2f} s, accuracy {r['accuracy']:.4f}", flush=True)
            if best[name] is None or r["total"] < best[name]["total"]:
                best[name] = r
    photon.shutdown()
    floor, ours = best["torch.multiprocessing"], best["photon"]
    print(f"\n{'phase (s)':<28}{'torch.mp (floor)':>18}{'photon':>10}{'photon - floor':>16}")
    print(f"{'data generation (shared)':<28}{generate_s:>18.2f}{generate_s:>10.2f}{0:>16.2f}")
    labels = {"start": "start (processes up)", "transfer": "transfer to workers", "train": "training",
              "gather": "gather (eval, results)", "teardown": "teardown (processes end)"}
    for k in PHASES:
        print(f"{labels[k]:<28}{floor[k]:>18.2f}{ours[k]:>10.2f}{ours[k] - floor[k]:>+16.2f}")
    print(f"{'total (without data)':<28}{floor['total']:>18.2f}{ours['total']:>10.2f}"
          f"{ours['total'] - floor['total']:>+16.2f}")
    ratio = ours["total"] / floor["total"]
    print(f"\nphoton / floor: {ratio:.2f}x (goal <= 1.1x); training alone {ours['train'] / floor['train']:.2f}x")


if __name__ == "__main__":
    main()
