"""Export a pruned run as a deployable model: physically smaller when its pruning is structured.

* **Structured** runs (hidden units of a recurrent language model, filters of the CNN) are
  compacted (:func:`~hyperprune.pruning.structured.compact.compact_model`): the file holds smaller
  modules, so it is smaller and faster on any hardware.
* **Unstructured** runs keep every weight's position: the exported model is exactly as large
  as the dense one (the zeros are stored). ``sparse=True`` stores the pruned weight matrices
  as sparse tensors (CSR for matrices, COO otherwise), which saves space on disk when the
  sparsity is high enough; inference still needs a sparse kernel to be any faster.

Before writing, the exported model's outputs are checked against the pruned model's on a
validation batch (eval mode, the weights that are evaluated and saved; averaged under
NT-ASGD); a mismatch is an error and nothing is written. The torch format is a dict of plain
values and tensors (``torch.load(path, weights_only=True)``); :func:`load_exported` rebuilds
the module. The ONNX format goes through torch's exporter (``pip install hyperprune[onnx]``).

Example::

    info = export_run(TrainingRun.load("runs/units/checkpoint.pt"), "model.pt")
    model = load_exported("model.pt")
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hyperprune.errors import UserError

EXPORT_FORMAT = "hyperprune-export"
FORMATS = ("torch", "onnx")
TOLERANCE = 1e-4
UNSTRUCTURED_NOTE = ("unstructured pruning: nothing shrinks; the exported model has the dense shapes with "
                     "zeros in place (use --sparse to store the pruned weights as sparse tensors)")


def is_structured(run) -> bool:
    from hyperprune.pruning import FilterMaskSet, UnitMaskSet

    return isinstance(getattr(run.method, "masks", None), (UnitMaskSet, FilterMaskSet))


def architecture(model: nn.Module, run) -> dict[str, Any]:
    """Plain-value description of ``model`` that :func:`build_from_architecture` turns back into it."""
    from hyperprune.models.cnn import SmallVGG
    from hyperprune.models.compact_language import CompactLanguageModel
    from hyperprune.models.language import RNNLanguageModel
    from hyperprune.models.mlp import MLP

    if isinstance(model, CompactLanguageModel):
        return {"class": "compact_lm", **model.architecture()}
    if isinstance(model, RNNLanguageModel):
        return {"class": "lm", "vocab_size": model.vocab_size, "model": dataclasses.asdict(run.spec.model)}
    data = run.data
    if isinstance(model, SmallVGG):
        return {"class": "cnn", "input_shape": list(data.input_shape), "num_classes": int(data.num_classes),
                "channels": [int(b.conv.out_channels) for b in model.features]}
    if isinstance(model, MLP):
        return {"class": "mlp", "input_shape": list(data.input_shape), "num_classes": int(data.num_classes),
                "hidden": [int(layer.out_features) for layer in model.hidden]}
    raise UserError(f"cannot export a {type(model).__name__}")


def build_from_architecture(arch: dict[str, Any]) -> nn.Module:
    from hyperprune.config import ModelConfig
    from hyperprune.models.cnn import SmallVGG
    from hyperprune.models.compact_language import CompactLanguageModel
    from hyperprune.models.language import RNNLanguageModel
    from hyperprune.models.mlp import MLP

    kind = arch.get("class")
    if kind == "compact_lm":
        return CompactLanguageModel(arch)
    if kind == "lm":
        return RNNLanguageModel(int(arch["vocab_size"]), ModelConfig(**arch["model"]))
    if kind == "cnn":
        return SmallVGG(tuple(arch["input_shape"]), int(arch["num_classes"]), tuple(arch["channels"]))
    if kind == "mlp":
        return MLP(tuple(arch["input_shape"]), int(arch["num_classes"]), tuple(arch["hidden"]))
    raise UserError(f"unknown exported model class {kind!r}")


def validation_input(run) -> torch.Tensor:
    """One validation batch: ``(bptt, B)`` tokens for a language model, images/features otherwise."""
    if run.task_kind == "lm":
        return run.task.sources["valid"][: run.spec.train.bptt]
    return run.task.arrays["valid"][0][: run.spec.train.eval_batch_size]


def _logits(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    out = model(inputs)
    return out[0] if isinstance(out, tuple) else out


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def sparse_state(state: dict[str, torch.Tensor], names: list[str]) -> dict[str, torch.Tensor]:
    """``state`` with the listed tensors stored sparse (CSR for matrices, COO otherwise)."""
    out = dict(state)
    for name in names:
        value = state[name]
        out[name] = value.to_sparse_csr() if value.dim() == 2 else value.to_sparse()
    return out


def write_torch(model: nn.Module, arch: dict[str, Any], out: str | Path, sparse_names: list[str] | None = None,
                **meta: Any) -> None:
    """The torch export format: architecture, plain ``state_dict`` (optionally sparse) and ``meta``."""
    from hyperprune.training.checkpoint import save_atomic

    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    if sparse_names:
        state = sparse_state(state, sparse_names)
    save_atomic({"format": EXPORT_FORMAT, "version": 1, "architecture": arch, "sparse": bool(sparse_names),
                 **meta, "state_dict": state}, out)


def _require_onnx() -> None:
    missing = [m for m in ("onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"--format onnx needs the packages {', '.join(missing)}: install the extra with "
                        "pip install 'hyperprune[onnx]'")


def _write_onnx(model: nn.Module, inputs: torch.Tensor, path: Path) -> None:
    _require_onnx()
    wrapped = _LogitsOnly(model).eval()
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.onnx.export(wrapped, (inputs,), str(tmp), input_names=["input"], output_names=["logits"],
                          dynamo=True, external_data=False)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


class _LogitsOnly(nn.Module):
    """The model's logits from a zero initial state (what the ONNX graph computes)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return _logits(self.model, inputs)


def export_run(run, out: str | Path, fmt: str = "torch", sparse: bool = False) -> dict[str, Any]:
    """Write ``run``'s exported model to ``out``; returns what was written and the check's figures."""
    from hyperprune.pruning import compact_model

    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if sparse and fmt != "torch":
        raise UserError("--sparse applies to the torch format only")
    structured = is_structured(run)
    if sparse and structured:
        raise UserError("--sparse is for unstructured pruning; a structured model is exported compacted")
    out = Path(out).expanduser()
    if not out.parent.is_dir():
        raise UserError(f"{out.parent} does not exist; create it or choose another --out")
    with run.evaluation_weights():
        pruned = copy.deepcopy(run.model).eval()
    exported = (compact_model(pruned, run.method) if structured else copy.deepcopy(pruned)).eval()
    inputs = validation_input(run)
    with torch.no_grad():
        expected, got = _logits(pruned, inputs), _logits(exported, inputs)
    diff = float((expected - got).abs().max())
    if not torch.allclose(expected, got, atol=TOLERANCE, rtol=TOLERANCE):
        raise UserError(f"exported model's outputs differ from the pruned model's by {diff:.3g}; nothing written")
    if fmt == "onnx":
        _write_onnx(exported, inputs, out)
    else:
        write_torch(exported, architecture(exported, run), out,
                    sparse_names=list(run.method.masks.names) if sparse else None, structured=structured,
                    method=run.method_name, target_sparsity=run.sparsity)
    info: dict[str, Any] = {
        "path": str(out), "format": fmt, "structured": structured, "sparse": bool(sparse),
        "parameters_pruned_model": parameter_count(pruned), "parameters_exported": parameter_count(exported),
        "nonzero_parameters": int(sum(int(torch.count_nonzero(p)) for p in exported.parameters())),
        "file_bytes": out.stat().st_size, "max_abs_output_difference": diff,
    }
    if structured:
        info["architecture"] = architecture(exported, run)
    else:
        info["note"] = UNSTRUCTURED_NOTE
    return info


def load_exported(path: str | Path) -> nn.Module:
    """The module saved by :func:`export_run` in the torch format, in eval mode."""
    from hyperprune.training.checkpoint import load_safe

    data = load_safe(path)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise UserError(f"{path} is not a model exported by hyperprune")
    model = build_from_architecture(data["architecture"])
    state = {k: v.to_dense() if v.layout != torch.strided else v for k, v in data["state_dict"].items()}
    model.load_state_dict(state)
    return model.eval()


def export_if_structured(run, directory: str | Path) -> dict[str, Any] | None:
    """For a structured run, ``directory/model.pt`` (compacted, torch format) and ``export.json``."""
    from hyperprune.files import write_json

    if not is_structured(run):
        return None
    directory = Path(directory)
    info = export_run(run, directory / "model.pt")
    info["path"] = "model.pt"
    write_json(directory / "export.json", info)
    return info
