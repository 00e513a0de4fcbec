"""examples/pytorch_benchmark.py and pytorch_submit.py at tiny sizes on a
real 1-node cluster: the result line and an accuracy above chance, a trial
whose worker is SIGKILLed resuming from its last epoch checkpoint, --use-gpu
refused without GPUs, and the submit script through the job API.
"""

import gzip
import os
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

from cluster import REPO, Cluster

pytest.importorskip("torch")

PY = "/usr/bin/python3"
EXAMPLES = os.path.join(REPO, "examples")
BENCH = os.path.join(EXAMPLES, "pytorch_benchmark.py")
TINY = ["--num-workers", "2", "--cpus-per-worker", "1", "--batch-size", "64"]
RESULT = re.compile(r"^Results run 1: \{'train_time': (\d+\.\d+), 'tune_time': (\d+\.\d+)\}$", re.M)

sys.path.insert(0, EXAMPLES)
import pytorch_data  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(num_nodes=1, cpus_per_node=4, dashboard=True).start()
    yield c
    c.stop()


def env_of(cluster):
    return dict(cluster.env(), PHOTON_TMPDIR=os.environ["PHOTON_TMPDIR"])


def run(cluster, script, args, timeout=240):
    proc = subprocess.run([PY, script] + list(args), env=env_of(cluster), capture_output=True, text=True,
                          timeout=timeout)
    return proc, proc.stdout + proc.stderr


def test_result_line_and_accuracy(cluster):
    proc, out = run(cluster, BENCH, TINY + ["--num-samples", "4000", "--epochs", "2", "--num-trials", "2"])
    assert proc.returncode == 0, out
    m = RESULT.search(proc.stdout)
    assert m, out
    assert float(m.group(1)) > 0 and float(m.group(2)) > 0
    accuracy = float(re.search(r"^training: .* held-out accuracy (\d\.\d+)", proc.stdout, re.M).group(1))
    assert accuracy > 0.3, out  # chance: 0.1
    assert "search: 2 trials, 2 at once" in proc.stdout  # 4 CPUs hold two groups of 2 x 1 CPU
    for trial in (0, 1):
        for epoch in (1, 2):
            assert re.search(rf"^trial {trial} \(lr \S+\) epoch {epoch}/2: loss \d", proc.stdout, re.M), out
    best = re.search(r"^best trial (\d): lr \S+, held-out loss \S+, accuracy (\d\.\d+)", proc.stdout, re.M)
    assert best and float(best.group(2)) > 0.1, out


def test_trial_resumes_from_last_epoch_checkpoint(cluster):
    proc, out = run(cluster, BENCH, TINY + ["--num-samples", "2000", "--epochs", "3", "--num-trials", "1",
                                            "--kill-worker-after-epoch", "0:2"])
    assert proc.returncode == 0, out
    assert "trial 0: a worker died" in proc.stdout, out
    resumed = re.search(r"^trial 0 resumed from epoch (\d+)$", proc.stdout, re.M)
    assert resumed and int(resumed.group(1)) == 2, out
    # Epochs 1 and 2 ran once (not again from 0); epoch 3 ran on the new workers.
    for epoch in (1, 2, 3):
        assert len(re.findall(rf"^trial 0 \(lr \S+\) epoch {epoch}/3:", proc.stdout, re.M)) == 1, out
    assert re.search(r"^trial 0: .*, 1 restarts$", proc.stdout, re.M), out
    assert RESULT.search(proc.stdout), out


def test_use_gpu_without_gpus_fails_clearly(cluster):
    proc, out = run(cluster, BENCH, ["--use-gpu"], timeout=60)
    assert proc.returncode == 2, out
    assert "--use-gpu: this cluster has no GPUs" in proc.stderr, out


def test_submit_script_through_the_job_api(cluster):
    proc, out = run(cluster, os.path.join(EXAMPLES, "pytorch_submit.py"),
                    ["--address", cluster.dashboard_url, "--follow", "--"] + TINY
                    + ["--num-samples", "2000", "--epochs", "1", "--num-trials", "1"])
    assert proc.returncode == 0, out
    sid = re.search(r"^Submitted job (raysubmit_\w+)", proc.stdout, re.M).group(1)
    assert f"photon job logs {sid} --follow --address {cluster.dashboard_url}" in proc.stdout
    assert RESULT.search(proc.stdout), out  # the job's own output, followed
    assert f"Job {sid} ended: SUCCEEDED" in proc.stdout, out


def _idx(path, array):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape))
        f.write(array.astype(np.uint8).tobytes())


def test_idx_files_and_shards(tmp_path):
    rng = np.random.default_rng(1)
    images, labels = rng.integers(0, 256, (120, 28, 28)), rng.integers(0, 10, 120)
    _idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    _idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    (x, y), (tx, ty) = pytorch_data.train_and_test(60_000, data_dir=str(tmp_path))
    assert x.shape == (100, 784) and x.dtype == np.float32 and len(tx) == 20  # no t10k files: the last sixth
    np.testing.assert_allclose(x[3], images[3].reshape(-1) / 255.0, rtol=1e-6)
    assert list(y) + list(ty) == list(labels)
    parts = [pytorch_data.shard(103, r, 4) for r in range(4)]
    assert {len(p) for p in parts} == {25} and len(set(np.concatenate(parts))) == 100
