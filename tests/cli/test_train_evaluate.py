"""``hyperprune train`` then ``hyperprune evaluate`` end to end on a tiny model."""

import json

import pytest
import torch

from hyperprune.cli import main
from hyperprune.pruning.core.method import PruningMethod
from hyperprune.pruning.registry import METHODS

torch.set_num_threads(1)

TINY = ["--set", "model.hidden_size=16", "--set", "model.emb_size=16", "--set", "train.max_batches=3",
        "--set", "train.max_eval_batches=3"]


class HalfMask(PruningMethod):
    """Masks a seeded half of every prunable weight at setup."""

    name = "halfmask"

    def setup(self, ctx):
        super().setup(ctx)
        for _, _, mask in self.masks:
            mask.copy_(torch.rand(mask.shape, generator=ctx.generator) >= 0.5)
        self.masks.apply()


@pytest.fixture
def half_mask(monkeypatch):
    monkeypatch.setitem(METHODS._entries, "halfmask", HalfMask)


def test_train_then_evaluate(tmp_path, capsys, half_mask):
    out = tmp_path / "run"
    assert main(["train", "--method", "halfmask", "--sparsity", "0.5", "--epochs", "2", "--out", str(out),
                 "--seed", "3", *TINY]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("epoch 1/2  train_loss") and printed[1].startswith("epoch 2/2")
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "metrics.json", "sparsity.json", "weights.pt"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert [m["epoch"] for m in metrics["epochs"]] == [1, 2] and metrics["seed"] == 3
    assert metrics["spec"]["model"]["hidden_size"] == 16
    sparsity = json.loads((out / "sparsity.json").read_text())
    assert 0.45 < sparsity["global"]["sparsity"] < 0.55
    weights = torch.load(out / "weights.pt", weights_only=True)
    recount = sum(int(torch.count_nonzero(weights[name])) for name in sparsity["layers"])
    assert recount == sparsity["global"]["nonzero"]

    assert main(["evaluate", str(out / "checkpoint.pt"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["method"] == "halfmask" and result["epoch"] == 2
    assert result["valid"] == pytest.approx(metrics["final"]["valid"])
    assert result["test"]["ppl"] == pytest.approx(metrics["final"]["test"]["ppl"])
    assert result["sparsity"]["global"] == sparsity["global"]

    assert main(["evaluate", str(out)]) == 0
    table = capsys.readouterr().out
    assert "perplexity" in table and "rnn.weight_hh_l0" in table and "global" in table


def test_resume_matches_straight_run(tmp_path, capsys):
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert main(["train", "--epochs", "3", "--out", str(straight), *TINY]) == 0
    assert main(["train", "--epochs", "2", "--out", str(split), *TINY]) == 0
    capsys.readouterr()
    assert main(["train", "--out", str(split), "--resume"]) == 0  # finished: nothing more to train
    assert "at epoch 2/2" in capsys.readouterr().out
    assert main(["train", "--epochs", "3", "--out", str(split), "--resume"]) == 0
    assert "resuming" in capsys.readouterr().out
    a = json.loads((straight / "metrics.json").read_text())
    b = json.loads((split / "metrics.json").read_text())
    assert a["epochs"] == b["epochs"] and a["final"] == b["final"]


def test_user_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "file.txt").write_text("x")
    assert main(["train", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and err.count("\n") == 1
    assert main(["train", "--out", str(tmp_path / "a"), "--set", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "b"), "--set", "train.nope=1"]) == 2
    assert "unknown setting" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "c"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert main(["evaluate", str(bad)]) == 2
    assert "not a hyperprune checkpoint" in capsys.readouterr().err
