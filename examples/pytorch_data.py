"""Data and the per-rank training loop of examples/pytorch_benchmark.py (and
of bench/compare_torch.py's plain torch.distributed floor, so both run the
very same code).

FashionMNIST-shaped data: 28x28 images flattened to 784 float32 values, 10
classes. Either synthetic (seeded class prototypes plus noise, learnable by
an MLP) or read from a local copy of the standard IDX files.
"""

import gzip
import io
import os
import struct
import time

import numpy as np

NUM_CLASSES = 10
IMAGE_SIZE = 28 * 28

# Synthetic images: prototype[class] * SIGNAL + N(0, 1) noise, with N(0, 1)
# prototypes per pixel, and a LABEL_NOISE share of labels drawn at random.
# SIGNAL sets how fast plain SGD at lr 1e-3 learns them: at 2.0 an MLP beats
# chance within an epoch of a few thousand images; held-out accuracy tops out
# near 1 - 0.9 * LABEL_NOISE.
SIGNAL = 2.0
LABEL_NOISE = 0.1


def _draw(prototypes, num_samples, rng, signal):
    classes = rng.integers(0, NUM_CLASSES, size=num_samples, dtype=np.int64)
    images = rng.standard_normal((num_samples, IMAGE_SIZE), dtype=np.float32)
    images += prototypes[classes] * np.float32(signal)
    # Mislabel a LABEL_NOISE share (as real datasets are): accuracy tops out below 100%.
    labels = np.where(rng.random(num_samples) < LABEL_NOISE,
                      rng.integers(0, NUM_CLASSES, size=num_samples, dtype=np.int64), classes)
    return images, labels


def train_and_test(num_samples=60_000, seed=0, data_dir=None, signal=SIGNAL):
    """((train_x, train_y), (test_x, test_y)). Synthetic: `num_samples`
    training images and a held-out set of a sixth as many (at least 1,000),
    drawn from the same prototypes. With `data_dir`: its train-* IDX files
    (the first `num_samples`), and its t10k-* files as the held-out set when
    present, else the training files' last sixth."""
    if data_dir:
        return _idx_train_and_test(data_dir, num_samples)
    rng = np.random.default_rng(seed)
    prototypes = rng.standard_normal((NUM_CLASSES, IMAGE_SIZE), dtype=np.float32)
    train = _draw(prototypes, num_samples, np.random.default_rng(seed + 1), signal)
    test = _draw(prototypes, max(1000, num_samples // 6), np.random.default_rng(seed + 2), signal)
    return train, test


# --- IDX files (http://yann.lecun.com/exdb/mnist/ describes the format)

def _open(data_dir, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return gzip.open(path, "rb") if name.endswith(".gz") else open(path, "rb")
    return None


def read_idx(stream):
    """An IDX file's array (uint8 data, big-endian header)."""
    zero, dtype_code, ndim = struct.unpack(">HBB", stream.read(4))
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"not an unsigned-byte IDX file (magic {zero:#x} {dtype_code:#x})")
    shape = struct.unpack(f">{ndim}I", stream.read(4 * ndim))
    data = np.frombuffer(stream.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"IDX file holds {data.size} bytes, its header says {shape}")
    return data.reshape(shape)


def _read_pair(data_dir, prefix):
    images, labels = _open(data_dir, f"{prefix}-images-idx3-ubyte"), _open(data_dir, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        return None
    with images, labels:
        x, y = read_idx(images), read_idx(labels)
    if len(x) != len(y):
        raise ValueError(f"{data_dir}: {len(x)} {prefix} images but {len(y)} labels")
    return (x.reshape(len(x), -1).astype(np.float32) / np.float32(255.0)), y.astype(np.int64)


def _idx_train_and_test(data_dir, num_samples):
    train = _read_pair(data_dir, "train")
    if train is None:
        raise FileNotFoundError(f"{data_dir} has no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]")
    if train[0].shape[1] != IMAGE_SIZE:
        raise ValueError(f"{data_dir}: images of {train[0].shape[1]} pixels, expected 28x28")
    test = _read_pair(data_dir, "t10k")
    if test is None:
        cut = len(train[1]) - len(train[1]) // 6
        train, test = (train[0][:cut], train[1][:cut]), (train[0][cut:], train[1][cut:])
    return (train[0][:num_samples], train[1][:num_samples]), test


def shard(n, rank, world_size, seed=0):
    """Rank `rank`'s indices of n samples, as torch's DistributedSampler
    splits them: one seeded permutation, every world_size-th element from
    `rank` on. The permutation is cut to a multiple of world_size so every
    rank runs the same number of steps (DDP's all-reduces must pair up)."""
    order = np.random.default_rng(seed).permutation(n)
    order = order[:n - n % world_size]
    return np.sort(order[rank::world_size])


# --- the training loop of one rank (a torch.distributed process group member)

def build_model(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(IMAGE_SIZE, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, NUM_CLASSES))


class RankTrainer:
    """One rank's model, optimizer and data shards. Call join() (the process
    group), load() (data and an optional checkpoint), then epoch() per epoch
    and evaluate() at the end; every rank must make the same calls."""

    def __init__(self, rank, world_size, num_threads, use_gpu=False):
        import torch
        self.torch = torch
        self.rank, self.world_size = rank, world_size
        torch.set_num_threads(num_threads)
        self.device = torch.device("cuda:0" if use_gpu else "cpu")  # the scheduler's CUDA_VISIBLE_DEVICES
        self.backend = "nccl" if use_gpu else "gloo"
        self.model = None

    def join(self, init_method, timeout_s=120):
        import datetime
        import torch.distributed as dist
        dist.init_process_group(self.backend, init_method=init_method, rank=self.rank,
                                world_size=self.world_size, timeout=datetime.timedelta(seconds=timeout_s))

    def load(self, train, test, lr, batch_size, checkpoint=None, seed=0):
        """`train`, `test`: this rank's (images, labels) arrays (read-only
        views are fine: they are copied once into tensors). `checkpoint`:
        bytes from epoch()'s rank 0, to resume from. Returns the epochs
        already done."""
        torch = self.torch
        from torch.nn.parallel import DistributedDataParallel
        self.x = torch.tensor(np.asarray(train[0]), device=self.device)
        self.y = torch.tensor(np.asarray(train[1]), device=self.device)
        self.test_x = torch.tensor(np.asarray(test[0]), device=self.device)
        self.test_y = torch.tensor(np.asarray(test[1]), device=self.device)
        torch.manual_seed(seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
        model = build_model(torch).to(self.device)
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.epochs_done = 0
        if checkpoint is not None:
            state = torch.load(io.BytesIO(checkpoint), map_location=self.device)
            model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.epochs_done = state["epoch"]
        self.model = DistributedDataParallel(model)
        self.batch_size, self.seed = batch_size, seed
        self.loss_fn = torch.nn.CrossEntropyLoss()
        return self.epochs_done

    def epoch(self, die_after_steps=None):
        """Trains one epoch over this rank's shard (reshuffled per epoch, as
        DistributedSampler.set_epoch does). Returns (mean loss over all ranks,
        seconds, checkpoint bytes on rank 0 else None). `die_after_steps`
        (a test aid): SIGKILL this process after that many steps."""
        torch = self.torch
        start = time.perf_counter()
        self.model.train()
        order = torch.from_numpy(np.random.default_rng(self.seed * 1000 + self.epochs_done).permutation(len(self.y)))
        order = order.to(self.device)
        total = torch.zeros(2, dtype=torch.float64, device=self.device)  # sum of losses, batches
        for step, begin in enumerate(range(0, len(order), self.batch_size)):
            if die_after_steps is not None and step == die_after_steps:
                import signal
                os.kill(os.getpid(), signal.SIGKILL)
            index = order[begin:begin + self.batch_size]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(self.x[index]), self.y[index])
            loss.backward()
            self.optimizer.step()
            total[0] += loss.detach()
            total[1] += 1
        torch.distributed.all_reduce(total)
        self.epochs_done += 1
        checkpoint = self.checkpoint() if self.rank == 0 else None
        return float(total[0] / total[1]), time.perf_counter() - start, checkpoint

    def checkpoint(self):
        buffer = io.BytesIO()
        self.torch.save({"epoch": self.epochs_done, "model": self.model.module.state_dict(),
                         "optimizer": self.optimizer.state_dict()}, buffer)
        return buffer.getvalue()

    def evaluate(self):
        """(accuracy, mean loss) on the held-out set, summed over all ranks'
        shards of it."""
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            logits = self.model.module(self.test_x)
            loss = torch.nn.functional.cross_entropy(logits, self.test_y, reduction="sum")
            correct = (logits.argmax(dim=1) == self.test_y).sum()
        sums = torch.stack([correct.double(), loss.double(),
                            torch.tensor(float(len(self.test_y)), dtype=torch.float64, device=self.device)])
        torch.distributed.all_reduce(sums)
        return float(sums[0] / sums[2]), float(sums[1] / sums[2])

    def leave(self):
        import torch.distributed as dist
        if dist.is_initialized():
            dist.destroy_process_group()
