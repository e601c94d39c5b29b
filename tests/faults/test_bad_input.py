"""Bad input as a user meets it: one line on stderr, no traceback, a non-zero exit, nothing
half-written, and no Ray started for what can be checked before."""

import os
import pickle
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from faultkit import command, run_cli, search_args

from hyperprune.cli import main
from hyperprune.searching.pool import empty_row, write_pool

SPACES = {
    "unknown-method": "methods:\n  pruneall: auto\n",
    "unknown-key": "methods:\n  dst:\n    no_such_hparam: 1\n",
    "unknown-top-key": "colour: red\nmethods:\n  dst: auto\n",
    "empty-range": "methods:\n  dst:\n    death_rate: {low: 0.9, high: 0.4}\n",
    "empty-choice": "methods:\n  dst:\n    death_rate: []\n",
    "invalid-yaml": "methods: [dst\n",
}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _assert_one_line_error(done, out: Path | None = None):
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hyperprune: error:"), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    if out is not None:
        assert not (out / "search.json").exists() and not (out / "pool.parquet").exists()
    return lines[0]


def _search_case(name: str, tmp: Path) -> list[str]:
    if name.startswith("space-"):
        path = tmp / f"{name}.yaml"
        path.write_text(SPACES[name[len("space-"):]])
        return ["--space", str(path)]
    if name == "ptb-missing-files":
        (tmp / "ptb").mkdir()
        return ["--data", "ptb", "--data-path", str(tmp / "ptb")]
    if name == "ptb-empty-split":
        (tmp / "ptb").mkdir()
        for split in ("train", "valid", "test"):
            (tmp / "ptb" / f"{split}.txt").write_text("" if split == "valid" else "a b c\nd e\n")
        return ["--data", "ptb", "--data-path", str(tmp / "ptb")]
    if name == "closed-port":
        return ["--address", f"127.0.0.1:{_closed_port()}"]
    if name == "storage-unreachable":  # an S3 endpoint on this machine where nothing listens
        return ["--storage", f"s3://bucket/runs?endpoint_override=127.0.0.1:{_closed_port()}&scheme=http"]
    if name == "storage-is-a-file":
        (tmp / "file").write_text("x")
        return ["--storage", str(tmp / "file")]
    if name == "ptb-too-short":
        (tmp / "ptb").mkdir()
        for split in ("train", "valid", "test"):
            (tmp / "ptb" / f"{split}.txt").write_text("a b c d e f g h\n" * 200)
        return ["--data", "ptb", "--data-path", str(tmp / "ptb"), "--set", "train.bptt=100"]
    return {
        "hpo": ["--hpo", "grid"],
        "sparsity-0": ["--sparsity", "0"],
        "sparsity-1": ["--sparsity", "1"],
        "sparsity-neg": ["--sparsity", "-0.5"],
        "sparsity-1.5": ["--sparsity", "1.5"],
        "e0-0": ["--e0", "0"],
        "evals-below-final": ["--max-evals", "1", "--final-count", "2"],
        "not-a-number": ["--max-evals", "many"],
        "ls-qr-every-0": ["--set", "train.ls_qr_every=0"],
        "ls-dtype": ["--set", "train.ls_dtype=float16"],
        "seed-negative": ["--seed", "-1"],
        "hidden-size-negative": ["--set", "model.hidden_size=-5"],
        "lr-zero": ["--set", "train.lr=0"],
        "dropout-one": ["--set", "model.dropout=1"],
        "gpus-never-available": ["--gpus-per-trial", "64"],
        "cpus-never-available": ["--cpus-per-trial", "4096"],
        "storage-unknown-scheme": ["--storage", "nosuchfs://bucket/runs"],
        "storage-bad-option": ["--storage", "s3://bucket/runs?no_such_option=1"],
        "batch-longer-than-corpus": ["--set", "train.batch_size=5000"],
    }[name]


EXPECTED = {
    "hpo": "unknown --hpo 'grid'", "sparsity-0": "--sparsity must be strictly between 0 and 1",
    "sparsity-1": "--sparsity must be strictly between 0 and 1",
    "sparsity-neg": "--sparsity must be strictly between 0 and 1",
    "sparsity-1.5": "--sparsity must be strictly between 0 and 1", "e0-0": "--e0 must be at least 1",
    "evals-below-final": "--max-evals (1) must be at least --final-count (2)", "not-a-number": "invalid int",
    "space-unknown-method": "unknown method 'pruneall'", "space-unknown-key": "no hyperparameter 'no_such_hparam'",
    "space-unknown-top-key": "unknown key 'colour'", "space-empty-range": "empty range",
    "space-empty-choice": "empty list of choices", "space-invalid-yaml": "not valid YAML",
    "ptb-missing-files": "has no corpus files", "ptb-empty-split": "the valid split is empty",
    "closed-port": "no Ray cluster answers", "ls-qr-every-0": "train.ls_qr_every must be at least 1",
    "ls-dtype": "train.ls_dtype must be one of float32, float64",
    "seed-negative": "--seed must be a whole number from 0 to 4294967295, got -1",
    "hidden-size-negative": "model.hidden_size must be a whole number of at least 1, got -5",
    "lr-zero": "train.lr must be a positive number, got 0.0", "dropout-one": "model.dropout must be a number in [0, 1)",
    "gpus-never-available": "each candidate asks for 1 CPU, 64 GPU on one node, but the embedded Ray of this "
                            "machine has",
    "cpus-never-available": "each candidate asks for 4096 CPU, 0 GPU on one node",
    "storage-unknown-scheme": "--storage nosuchfs://bucket/runs: unknown scheme 'nosuchfs'",
    "storage-bad-option": "--storage s3://bucket/runs?no_such_option=1: ",
    "storage-unreachable": "cannot reach the s3 endpoint",
    "storage-is-a-file": "is a file; give a directory",
    "batch-longer-than-corpus": "embedded: the train split has 82430 tokens, fewer than the 180000 one batch needs",
    "ptb-too-short": "the train split has 1800 tokens, fewer than the 2020 one batch needs",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_search_input(case, tmp_path):
    out, ray_tmp = tmp_path / "out", tmp_path / "ray-tmp"
    done = run_cli(*search_args(out, tmp_path / "cache", *_search_case(case, tmp_path)), timeout=300,
                   extra_env={"RAY_TMPDIR": str(ray_tmp)})
    line = _assert_one_line_error(done, out)
    assert EXPECTED[case] in line
    # rejected before Ray starts (a Ray started would make its session folder under RAY_TMPDIR),
    # with nothing written: not even the output directory
    assert not ray_tmp.exists()
    assert not out.exists() and not (tmp_path / "cache").exists()


class _DenyingS3(BaseHTTPRequestHandler):
    """An S3 endpoint that refuses every request for want of valid credentials."""

    BODY = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"

    def _deny(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.BODY)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _deny

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("credentials", [False, True])
def test_storage_without_or_with_refused_credentials(credentials, tmp_path):
    """An S3 endpoint on this machine that answers 403: one line saying whether credentials are
    missing here or were refused, and nothing created."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DenyingS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        uri = f"s3://bucket/runs?endpoint_override=127.0.0.1:{server.server_address[1]}&scheme=http"
        keys = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wrong"} if credentials else {}
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        environment.update(HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true", **keys)
        out = tmp_path / "out"
        done = subprocess.run(command(*search_args(out, tmp_path / "cache", "--storage", uri)),
                              capture_output=True, text=True, timeout=120, env=environment)
    finally:
        server.shutdown()
    line = _assert_one_line_error(done)
    assert done.returncode == 2
    expected = "credentials of this machine were refused" if credentials else "no s3 credentials are configured"
    assert expected in line
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_refused_calibration_leaves_nothing(tmp_path):
    out = tmp_path / "deep" / "cal"
    done = run_cli("calibrate", "--out", out, "--cache-dir", tmp_path / "cache", "--no-dashboard", "--quiet",
                   "--address", f"127.0.0.1:{_closed_port()}", timeout=120)
    assert done.returncode == 2
    assert "no Ray cluster answers" in _assert_one_line_error(done)
    assert not (tmp_path / "deep").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_corpus_file(tmp_path):
    corpus = tmp_path / "ptb"
    corpus.mkdir()
    for split in ("train", "valid", "test"):
        (corpus / f"{split}.txt").write_text("a b c\n" * 2000)
    (corpus / "valid.txt").chmod(0)
    out = tmp_path / "out"
    done = run_cli(*search_args(out, tmp_path / "cache", "--data", "ptb", "--data-path", corpus))
    assert done.returncode == 2
    assert "cannot read" in _assert_one_line_error(done) and not out.exists()


def _broken_pools(tmp: Path) -> dict[str, Path]:
    good = tmp / "good.parquet"
    row = empty_row("c000", "t0")
    row.update(method="dst", epochs=[1], status="eliminated")
    write_pool(good, [row])
    data = good.read_bytes()
    pools = {"truncated": tmp / "truncated" / "pool.parquet", "corrupt": tmp / "corrupt" / "pool.parquet",
             "pickle": tmp / "pickled" / "pool.parquet"}
    for path in pools.values():
        path.parent.mkdir()
    pools["truncated"].write_bytes(data[: len(data) // 2])
    pools["corrupt"].write_bytes(bytes(b ^ 0x5A for b in data))
    pools["pickle"].write_bytes(pickle.dumps([row]))
    return pools


@pytest.mark.parametrize("kind", ["truncated", "corrupt", "pickle"])
def test_damaged_pool_file(kind, tmp_path):
    pool = _broken_pools(tmp_path)[kind]
    line = _assert_one_line_error(run_cli("pool", "show", pool.parent))
    assert "not a readable Parquet pool" in line
    out = tmp_path / "out"
    done = run_cli(*search_args(out, tmp_path / "cache", "--initial-pool", pool.parent, "--e0", "1"))
    assert "not a readable Parquet pool" in _assert_one_line_error(done, out)


class _Planted:
    """Unpickling this creates the marker file: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def _planted_checkpoint(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": "hyperprune-run", "model": {}, "payload": _Planted(str(marker))}, path)
    assert not marker.exists()


def test_planted_pickle_is_refused_by_evaluate(tmp_path):
    marker, target = tmp_path / "pwned", tmp_path / "evil" / "run.pt"
    _planted_checkpoint(target, marker)
    line = _assert_one_line_error(run_cli("evaluate", target))
    assert "refused to unpickle" in line
    assert not marker.exists()


def test_planted_pickle_in_initial_pool_is_refused(tmp_path):
    marker, pool_dir = tmp_path / "pwned", tmp_path / "pool_dir"
    ckpt = pool_dir / "pool" / "c000" / "run.pt"
    _planted_checkpoint(ckpt, marker)
    row = empty_row("c000", "t0")
    row.update(method="dst", epochs=[1], status="eliminated", pool_checkpoint=str(ckpt))
    write_pool(pool_dir / "pool.parquet", [row])
    out = tmp_path / "out"
    done = run_cli(*search_args(out, tmp_path / "cache", "--initial-pool", pool_dir, "--e0", "1"))
    assert "refused to unpickle" in _assert_one_line_error(done, out)
    assert not marker.exists()
    assert not (out / "tune").exists()


def test_evaluate_random_bytes_and_foreign_checkpoints(tmp_path):
    from hyperprune.config import override, preset
    from hyperprune.training.run import TrainingRun

    noise = tmp_path / "noise.pt"
    noise.write_bytes(bytes(range(256)) * 20)
    assert "not a hyperprune checkpoint" in _assert_one_line_error(run_cli("evaluate", noise))
    # a checkpoint whose weights come from a model of another size
    def tiny(size):
        return override(preset("tiny"), {"model.hidden_size": size, "model.emb_size": size,
                                         "train.max_batches": 1, "train.max_eval_batches": 1})

    run = TrainingRun(tiny(16), total_epochs=1)
    state = run.state_dict()
    other = TrainingRun(tiny(8), total_epochs=1)
    state["model"] = other.model.state_dict()
    foreign = tmp_path / "foreign.pt"
    torch.save(state, foreign)
    assert "do not fit this model" in _assert_one_line_error(run_cli("evaluate", foreign))
    # plain weights (winner/weights.pt) are not a resumable run
    weights = tmp_path / "weights.pt"
    run.save_weights(weights)
    assert "not a hyperprune training checkpoint" in _assert_one_line_error(run_cli("evaluate", weights))


def test_resume_without_a_search(tmp_path):
    line = _assert_one_line_error(run_cli("resume", tmp_path))
    assert "holds no search" in line
    line = _assert_one_line_error(run_cli("resume", tmp_path / "missing"))
    assert "holds no search" in line


def test_output_is_a_file_or_unwritable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        line = _assert_one_line_error(run_cli(*search_args(out, tmp_path / "cache")))
        assert "--out" in line or "cannot write" in line
    line = _assert_one_line_error(run_cli(*search_args("/proc/hyperprune-out", tmp_path / "cache")))
    assert "/proc" in line


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root ignores directory permissions")
def test_read_only_parent(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o500)
    try:
        line = _assert_one_line_error(run_cli(*search_args(parent / "out", tmp_path / "cache")))
        assert "cannot write" in line
        assert not (parent / "out").exists()
    finally:
        parent.chmod(0o700)


def test_not_enough_free_space(tmp_path, monkeypatch, capsys):
    real = shutil.disk_usage

    def nearly_full(path):
        return real(path)._replace(free=50 * 2**20)

    monkeypatch.setattr(shutil, "disk_usage", nearly_full)
    out = tmp_path / "out"
    code = main(search_args(out, tmp_path / "cache"))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "only 50 MiB free" in err[0] and "at least 200 MiB" in err[0]
    assert not out.exists()
