"""``hyperprune export``: structured runs shrink, unstructured ones say so; outputs are checked."""

import json

import pytest
import torch

from hyperprune.cli import main
from hyperprune.export import load_exported
from hyperprune.training import TrainingRun

torch.set_num_threads(1)

TINY = ["--set", "model.hidden_size=16", "--set", "model.emb_size=16", "--set", "train.max_batches=3",
        "--set", "train.max_eval_batches=3", "--epochs", "1", "--seed", "2"]


def _train(tmp_path, name, *extra):
    out = tmp_path / name
    assert main(["train", "--out", str(out), *TINY, *extra]) == 0
    return out


def test_structured_run_exports_a_smaller_model_with_equal_outputs(tmp_path, capsys):
    run_dir = _train(tmp_path, "units", "--method", "magsign", "--sparsity", "0.5", "--set", "structure=units",
                     "--set", "allocation=ER", "--model", "gru")
    capsys.readouterr()
    target = tmp_path / "model.pt"
    assert main(["export", str(run_dir), "--out", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["structured"] and info["parameters_exported"] < info["parameters_pruned_model"]
    assert sum(info["architecture"]["hidden_sizes"]) == 16  # 32 units at unit sparsity 0.5
    assert info["max_abs_output_difference"] < 1e-4

    model = load_exported(target)
    run = TrainingRun.load(run_dir / "checkpoint.pt")
    tokens = run.task.sources["valid"][:10]
    run.model.eval()
    with torch.no_grad():
        assert torch.allclose(model(tokens)[0], run.model(tokens)[0], atol=1e-5)
    dense_bytes = sum(v.numel() * v.element_size() for v in run.model.state_dict().values())
    assert target.stat().st_size < dense_bytes


def test_unstructured_run_says_nothing_shrinks_and_stores_sparse_on_request(tmp_path, capsys):
    run_dir = _train(tmp_path, "snip", "--method", "snip", "--sparsity", "0.9")
    capsys.readouterr()
    dense, sparse = tmp_path / "dense.pt", tmp_path / "sparse.pt"
    assert main(["export", str(run_dir / "checkpoint.pt"), "--out", str(dense)]) == 0
    assert "nothing shrinks" in capsys.readouterr().out
    assert main(["export", str(run_dir), "--out", str(sparse), "--sparse", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert not info["structured"] and info["parameters_exported"] == info["parameters_pruned_model"]
    assert sparse.stat().st_size < dense.stat().st_size
    stored = torch.load(sparse, weights_only=True)["state_dict"]
    assert stored["rnn.weight_hh_l0"].layout == torch.sparse_csr
    a, b = load_exported(dense), load_exported(sparse)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))


def test_export_errors_are_one_line(tmp_path, capsys, monkeypatch):
    assert main(["export", str(tmp_path / "missing"), "--out", str(tmp_path / "m.pt")]) == 2
    assert "neither a checkpoint" in capsys.readouterr().err
    run_dir = _train(tmp_path, "units", "--method", "random", "--sparsity", "0.5", "--set", "structure=units")
    capsys.readouterr()
    assert main(["export", str(run_dir), "--out", str(tmp_path / "m.pt"), "--sparse"]) == 2
    assert "--sparse is for unstructured" in capsys.readouterr().err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxscript" else real(name, *a))
    target = tmp_path / "m.onnx"
    assert main(["export", str(run_dir), "--out", str(target), "--format", "onnx"]) == 2
    err = capsys.readouterr().err
    assert "hyperprune[onnx]" in err and "onnxscript" in err and err.count("\n") == 1
    assert not target.exists()


@pytest.mark.skipif(not all(__import__("importlib").util.find_spec(m) for m in ("onnx", "onnxscript")),
                    reason="the onnx extra is not installed")
def test_onnx_export_writes_a_graph(tmp_path, capsys):
    import onnx

    run_dir = _train(tmp_path, "units", "--method", "random", "--sparsity", "0.5", "--set", "structure=units")
    target = tmp_path / "m.onnx"
    assert main(["export", str(run_dir), "--out", str(target), "--format", "onnx"]) == 0
    graph = onnx.load(str(target))
    onnx.checker.check_model(graph)
    inits = {init.name: list(init.dims) for init in graph.graph.initializer}
    recurrent = [inits[node.input[2]] for node in graph.graph.node if node.op_type == "LSTM"]
    assert len(recurrent) == 2 and sum(d[2] for d in recurrent) == 16  # 16 of 32 units kept
    assert all(d[1] == 4 * d[2] for d in recurrent)  # LSTM gates of the kept units only


def test_filter_pruned_cnn_exports_its_smaller_convolutions(tmp_path, capsys):
    run_dir = tmp_path / "cnn"
    assert main(["train", "--out", str(run_dir), "--model", "cnn", "--data", "digits", "--method", "snip",
                 "--sparsity", "0.5", "--set", "structure=filters", "--set", "model.cnn_channels=[8,16]",
                 "--set", "train.max_batches=2", "--set", "train.lr=0.1", "--set", "train.clip=0",
                 "--epochs", "1"]) == 0
    capsys.readouterr()
    target = tmp_path / "cnn.pt"
    assert main(["export", str(run_dir), "--out", str(target), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["structured"] and info["architecture"]["channels"] == [4, 8]
    assert [b.conv.out_channels for b in load_exported(target).features] == [4, 8]
