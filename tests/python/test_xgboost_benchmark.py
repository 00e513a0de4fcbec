"""examples/xgboost_benchmark.py and examples/xgboost_submit.py end to end on
a real cluster, at tiny sizes: Ray's result line and an accuracy above
chance (synthetic data and a --data folder), the exit code when the model
learns nothing, a trainer SIGKILLed mid-training resuming from its last
checkpoint, and the benchmark submitted through the job API."""

import json
import os
import re
import signal
import subprocess

import numpy as np
import pytest

from cluster import REPO, Cluster

PY = "/usr/bin/python3"
EXAMPLES = os.path.join(REPO, "examples")
BENCH = os.path.join(EXAMPLES, "xgboost_benchmark.py")
SUBMIT = os.path.join(EXAMPLES, "xgboost_submit.py")
TINY = ["--size", "2M", "--num-workers", "2", "--cpus-per-worker", "1", "--rounds", "6"]
TIMEOUT = 120
NUMBER = r"\d+(?:\.\d+)?(?:e-?\d+)?"
RESULT = re.compile(rf"^Results: {{'training_time': ({NUMBER}), 'prediction_time': ({NUMBER})}}$", re.M)
ACCURACY = re.compile(r"^accuracy: (\d\.\d+) over ([\d,]+) rows$", re.M)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(num_nodes=1, cpus_per_node=4, dashboard=True).start()
    yield c
    c.stop()


def bench_env(cluster):
    env = cluster.env()
    env["PHOTON_TMPDIR"] = os.environ["PHOTON_TMPDIR"]
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_bench(cluster, *args):
    done = subprocess.run([PY, BENCH, *args], env=bench_env(cluster), capture_output=True, text=True,
                          timeout=TIMEOUT)
    return done.returncode, done.stdout + done.stderr


def accuracy_and_rows(out):
    assert RESULT.search(out), out[-4000:]
    match = ACCURACY.search(out)
    assert match, out[-4000:]
    return float(match.group(1)), int(match.group(2).replace(",", ""))


def test_synthetic_run_prints_the_result_line(cluster, tmp_path):
    rc, out = run_bench(cluster, *TINY, "--output-json", str(tmp_path / "r.json"))
    assert rc == 0, out[-4000:]
    accuracy, rows = accuracy_and_rows(out)
    assert accuracy > 0.6 and rows == (2 << 20) // 400
    assert "rounds: 6" in out
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["rounds"] == 6 and saved["training_time"] > 0 and saved["prediction_time"] > 0


def write_folder(folder, features_of, label_of):
    """Two CSV files (one with a header) and one .npy file, labels last."""
    rng = np.random.default_rng(5)
    sizes = [700, 600, 500]
    for i, rows in enumerate(sizes):
        x = features_of(rng, rows)
        table = np.column_stack([x, label_of(rng, x)]).astype(np.float32)
        if i < 2:
            header = ",".join([f"f{j}" for j in range(x.shape[1])] + ["label"]) + "\n" if i == 0 else ""
            with open(folder / f"part-{i}.csv", "w") as f:
                f.write(header)
                np.savetxt(f, table, delimiter=",", fmt="%.6g")
        else:
            np.save(folder / f"part-{i}.npy", table)
    return sum(sizes)


def test_data_folder_of_csv_and_npy(cluster, tmp_path):
    rows = write_folder(tmp_path, lambda rng, n: rng.standard_normal((n, 8)),
                        lambda rng, x: (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32))
    rc, out = run_bench(cluster, "--data", str(tmp_path), "--num-workers", "2", "--cpus-per-worker", "1",
                        "--rounds", "4")
    assert rc == 0, out[-4000:]
    accuracy, seen = accuracy_and_rows(out)
    assert seen == rows and accuracy > 0.6


def test_accuracy_at_chance_exits_nonzero(cluster, tmp_path):
    # Constant features: nothing to learn, so every row gets the same prediction.
    write_folder(tmp_path, lambda rng, n: np.zeros((n, 4)), lambda rng, x: (np.arange(len(x)) % 2).astype(np.float32))
    rc, out = run_bench(cluster, "--data", str(tmp_path), "--num-workers", "2", "--cpus-per-worker", "1",
                        "--rounds", "2")
    accuracy, _ = accuracy_and_rows(out)
    assert rc == 1 and accuracy < 0.6, out[-4000:]
    assert "is below 0.6" in out


def test_killed_trainer_resumes_from_its_checkpoint(cluster, tmp_path):
    pids_file = tmp_path / "pids.json"
    proc = subprocess.Popen([PY, BENCH, *TINY, "--slow-rounds", "0.7", "--report-pids", str(pids_file)],
                            env=bench_env(cluster), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "checkpoint: round 2" in line:
                break
        first = json.loads(pids_file.read_text())
        os.kill(first["0"], signal.SIGKILL)  # the rank-0 trainer, the one that writes checkpoints
        lines += proc.stdout.readlines()
        proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = "".join(lines)
    assert proc.returncode == 0, out[-4000:]
    resumed = [int(k) for k in re.findall(r"^resumed from round (\d+)$", out, re.M)]
    assert len(resumed) == 1 and 2 <= resumed[0] < 6, out[-4000:]
    assert "rounds: 6" in out
    # After the restart the rounds go on from the checkpoint: none is done twice from zero.
    rounds = [int(k) for k in re.findall(r"checkpoint: round (\d+)$", out, re.M)]
    after = rounds[rounds.index(resumed[0]) + 1:] if resumed[0] in rounds else rounds
    assert after and after[0] == resumed[0] + 1 and after[-1] == 6, rounds
    assert 1 not in after, rounds
    again = json.loads(pids_file.read_text())
    assert again["0"] != first["0"] and again["1"] == first["1"]  # a new rank-0 process; rank 1 lived on
    accuracy, _ = accuracy_and_rows(out)
    assert accuracy > 0.6


def test_submit_through_the_job_api(cluster):
    env = bench_env(cluster)
    del env["PHOTON_ADDRESS"]  # the job's driver gets the address from its supervisor
    done = subprocess.run([PY, SUBMIT, "--address", cluster.dashboard_url, "--follow",
                           "--env", f"PYTHONPATH={os.path.join(REPO, 'python')}", "--", *TINY],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    sid = re.search(r"^submitted job (\S+): ", out, re.M).group(1)
    assert f"photon job logs --address {cluster.dashboard_url} --follow {sid}" in out
    accuracy, _ = accuracy_and_rows(out)
    assert accuracy > 0.6
    assert f"job {sid} ended: SUCCEEDED" in out
