"""Registry of pruning methods: name -> class (imported lazily)."""

from hyperprune.registry import Registry

METHODS = Registry("pruning method")
METHODS.register("dense", "hyperprune.pruning.dense:Dense")
METHODS.register("dst", "hyperprune.pruning.dst.method:DynamicSparseTraining")
METHODS.register("lottery", "hyperprune.pruning.lottery:LotteryTicket")
METHODS.register("halo", "hyperprune.pruning.halo:Halo")
METHODS.register("incop", "hyperprune.pruning.incop.method:InCoP")
METHODS.register("sa", "hyperprune.pruning.early.annealing:SimulatedAnnealing")
METHODS.register("snip", "hyperprune.pruning.early.snip:Snip")
METHODS.register("magsign", "hyperprune.pruning.early.magsign:MagSign")
METHODS.register("random", "hyperprune.pruning.early.random_mask:RandomMask")


def build_method(name: str, sparsity: float, hparams: dict | None = None):
    """Instantiate method ``name`` with validated hyperparameters."""
    return METHODS.get(name)(sparsity, hparams)
