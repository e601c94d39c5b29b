"""Declarative search spaces: which methods a search may pick and which hyperparameters vary.

A space is a YAML file::

    name: reference
    sparsity: 0.67            # optional: the target sparsity, fixed for every candidate; a list
                              # [0.5, 0.8] or a range {low: 0.5, high: 0.9, count: 5}: a front
    methods:
      dst:
        sparse_init: [uniform, ER]                  # a list: choose one
        growth: random                              # a scalar: fixed
        death_rate: {low: 0.4, high: 0.9, step: 0.1}
      lottery: auto                                 # every declared hyperparameter, its own range
      sa: {auto: true, structure: unstructured}     # all declared ranges, one of them narrowed
      dense: {}                                     # a control: the dense network, never ranked
    train:                                          # optional: training settings varied per candidate
      lr: {low: 10, high: 1000, log: true}          # (see hyperprune.searching.setting_space)

Ranges come from each method's ``HPARAMS`` declarations: ``auto`` expands them, and an
explicit range must lie inside the declared one. A :class:`SearchSpace` samples candidates for
the random searcher and converts itself to hyperopt and Optuna spaces. A method's declared
constraints between hyperparameters (InCoP's ``p < q``) are checked against the space when it is
loaded, and every backend's proposal goes through :meth:`SearchSpace.repaired`, so no searcher
ever proposes a configuration its method would refuse.

``dense: {}`` is not a method to search but a *control*: the dense network itself, trained and
measured once beside the candidates, never proposed, ranked or chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hyperprune.errors import UserError
from hyperprune.pruning import METHODS, HParam
from hyperprune.searching.levels import option_value, parse_levels
from hyperprune.searching.setting_space import parse_settings_section


@dataclass(frozen=True)
class Domain:
    """The values one hyperparameter may take in a search."""

    kind: str  # "fixed", "choice", "float", "int"
    value: Any = None
    choices: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False

    def size(self) -> float:
        if self.kind == "fixed":
            return 1
        if self.kind == "choice":
            return len(self.choices)
        step = self.step or (1 if self.kind == "int" else None)
        if step:
            return int(round((self.high - self.low) / step)) + 1
        return math.inf

    def values(self, grid: int = 101) -> list[Any]:
        """The values this domain can take (continuous ranges: ``grid`` evenly spaced ones)."""
        if self.kind == "fixed":
            return [self.value]
        if self.kind == "choice":
            return list(self.choices)
        n = self.size()
        if math.isinf(n):
            return [self.snap(self.low + (self.high - self.low) * i / (grid - 1)) for i in range(grid)]
        step = self.step or 1
        return [self.snap(self.low + i * step) for i in range(int(n))]

    def snap(self, value: float) -> Any:
        """Round a sampled number onto the domain's grid and type."""
        if self.step:
            n = round((float(value) - self.low) / self.step)
            value = self.low + n * self.step
            value = round(value, 10)
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.kind == "int" else float(value)


@dataclass(frozen=True)
class MethodSpace:
    method: str
    params: dict[str, Domain] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchSpace:
    name: str
    methods: tuple[MethodSpace, ...]
    sparsity: float | tuple[float, ...] | None = None
    control: bool = False
    #: the latest prune epoch of a configuration that prunes without rewinding (None: any), set
    #: for a search's first rung by hyperprune.searching.first_rung
    unrewound_prune_by: int | None = None

    @property
    def method_names(self) -> list[str]:
        return [m.method for m in self.methods]

    def repaired(self, proposal: dict) -> dict:
        """``proposal`` (``{"method", "hparams"}``) changed as little as possible to satisfy its
        method's constraints; the space was checked at load time, so a repair always exists."""
        method = METHODS.get(proposal["method"])
        hparams = dict(proposal["hparams"])
        space = next(m for m in self.methods if m.method == proposal["method"])
        full = {**{h.name: h.default for h in method.HPARAMS}, **hparams}
        for constraint in method.CONSTRAINTS:
            values = {k: d.values() if d.kind != "fixed" else None for k, d in space.params.items()}
            before = full
            full = constraint.repair(full, values)
            if full is None:
                raise UserError(f"search space {self.name}: {proposal['method']} cannot satisfy "
                                f"{constraint} with {before}")
        full = self._first_rung_repair(method, full)
        return {"method": proposal["method"], "hparams": {k: full[k] for k in hparams}}

    def _first_rung_repair(self, method, full: dict) -> dict:
        """A configuration that prunes without rewinding after ``unrewound_prune_by`` prunes then."""
        name = method.PRUNE_EPOCH_HPARAM
        bound = self.unrewound_prune_by
        if bound is None or name is None or not method.prunes_without_rewind(full) or full[name] <= bound:
            return full
        return {**full, name: bound}

    def size(self) -> float:
        total = 0.0
        for m in self.methods:
            n = 1.0
            for d in m.params.values():
                n *= d.size()
            total += n
        return total


def _domain_from_hparam(h: HParam) -> Domain:
    if h.kind == "choice":
        return Domain("choice", choices=tuple(h.choices))
    if h.kind == "bool":
        return Domain("choice", choices=(False, True))
    return Domain(h.kind, low=float(h.low), high=float(h.high), step=h.step, log=h.log)


def _parse_param(method: str, h: HParam, raw: Any) -> Domain:
    where = f"{method}.{h.name}"
    if raw == "auto":
        return _domain_from_hparam(h)
    if isinstance(raw, list):
        if not raw:
            raise UserError(f"search space: {where} has an empty list of choices")
        values = tuple(h.validate(v, f"search space: {method}.") for v in raw)
        return Domain("choice", choices=values)
    if isinstance(raw, dict):
        unknown = set(raw) - {"low", "high", "step", "log"}
        if unknown:
            raise UserError(f"search space: {where} has unknown key {sorted(unknown)[0]!r}; "
                            "use low, high, step, log or a list of choices")
        if h.kind not in ("float", "int"):
            raise UserError(f"search space: {where} is a {h.kind}; give a list of choices instead of a range")
        if "low" not in raw or "high" not in raw:
            raise UserError(f"search space: {where} needs both low and high")
        low = h.validate(raw["low"], f"search space: {method}.")
        high = h.validate(raw["high"], f"search space: {method}.")
        if not low < high:
            raise UserError(f"search space: {where} has an empty range [{low}, {high}]; low must be below high")
        step = raw.get("step", h.step)
        if step is not None and (not isinstance(step, (int, float)) or step <= 0):
            raise UserError(f"search space: {where} step must be a positive number")
        log = bool(raw.get("log", h.log))
        if log and low <= 0:
            raise UserError(f"search space: {where} is log-scaled; low must be positive")
        return Domain(h.kind, low=float(low), high=float(high), step=step, log=log)
    return Domain("fixed", value=h.validate(raw, f"search space: {method}."))


def parse_space(data: Any, name: str = "space") -> SearchSpace:
    """Validate a parsed YAML document and build a :class:`SearchSpace`."""
    if not isinstance(data, dict):
        raise UserError(f"search space {name}: expected a mapping with a 'methods' key")
    unknown = set(data) - {"name", "sparsity", "methods", "description", "train"}
    if unknown:
        raise UserError(f"search space {name}: unknown key {sorted(unknown)[0]!r}; "
                        "valid keys: name, description, sparsity, train, methods")
    settings = parse_settings_section(data.get("train"), name, _parse_param)
    methods_raw = data.get("methods")
    if not isinstance(methods_raw, dict) or not methods_raw:
        raise UserError(f"search space {name}: 'methods' must map at least one method to its parameters")
    sparsity = data.get("sparsity")
    if sparsity is not None:
        sparsity = option_value(parse_levels(sparsity, f"search space {name}: sparsity"))
    methods = []
    control = "dense" in methods_raw
    if control and methods_raw["dense"] not in ({}, None):
        raise UserError(f"search space {name}: dense is the control and takes no parameters; write 'dense: {{}}'")
    if control and len(methods_raw) == 1:
        raise UserError(f"search space {name}: besides the dense control, list at least one pruning method")
    for method, params_raw in methods_raw.items():
        if method == "dense":
            continue
        if method not in METHODS:
            valid = ", ".join(n for n in METHODS.names() if n != "dense")
            raise UserError(f"search space {name}: unknown method {method!r}; choose from: {valid}")
        declared = {h.name: h for h in METHODS.get(method).HPARAMS}
        if params_raw in ("auto", None):
            params_raw = {k: "auto" for k in declared} if params_raw == "auto" else {}
        if not isinstance(params_raw, dict):
            raise UserError(f"search space {name}: {method} must map to parameters or 'auto'")
        if "auto" in params_raw:
            if params_raw["auto"] is not True:
                raise UserError(f"search space {name}: {method}.auto must be true (or leave it out)")
            params_raw = {**{k: "auto" for k in declared}, **{k: v for k, v in params_raw.items() if k != "auto"}}
        params = {}
        for key, raw in params_raw.items():
            if key not in declared:
                raise UserError(f"search space {name}: {method} has no hyperparameter {key!r}; "
                                f"valid: {', '.join(sorted(declared))}")
            params[key] = _parse_param(method, declared[key], raw)
        _check_constraints(name, method, params)
        methods.append(MethodSpace(method, {**params, **settings}))
    return SearchSpace(str(data.get("name", name)), tuple(methods),
                       sparsity, control)


def _check_constraints(name: str, method: str, params: dict[str, Domain]) -> None:
    """Every constraint of ``method`` can be met inside the space (else no proposal would be valid)."""
    cls = METHODS.get(method)
    defaults = {h.name: h.default for h in cls.HPARAMS}
    for c in cls.CONSTRAINTS:
        lefts = params[c.left].values() if c.left in params else [defaults[c.left]]
        rights = params[c.right].values() if c.right in params else [defaults[c.right]]
        if not any(c.holds({c.left: a, c.right: b}) for a in lefts for b in rights):
            raise UserError(f"search space {name}: {method} needs {c}, which no value of its ranges "
                            f"satisfies; widen {c.left} or {c.right}")


def builtin_spaces() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("search_spaces").iterdir() if p.name.endswith(".yaml"))


def load_space(ref: str) -> SearchSpace:
    """Load a built-in space by name (``reference``) or a YAML file by path."""
    path = Path(ref)
    if not path.suffix and ref in builtin_spaces():
        text = resources.files("search_spaces").joinpath(f"{ref}.yaml").read_text()
        source = ref
    else:
        if not path.is_file():
            raise UserError(f"search space {ref!r} is neither a file nor a built-in space "
                            f"({', '.join(builtin_spaces())})")
        text = path.read_text()
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" at line {line + 1}" if line is not None else ""
        raise UserError(f"search space {source}: not valid YAML{where}") from None
    return parse_space(data, source)
