#!/usr/bin/env bash
# One prepared run on a machine with a CUDA GPU: the paper-size figures a CPU cannot give.
#
#   1. the LS of a paper-preset network (2x1500 LSTM, 3000 exponents) in float32 and float64,
#      with a QR every step and with the default interval, their agreement, and its share of a
#      training epoch (bench/paper_ls.py);
#   2. one paper-preset training epoch on the embedded corpus (hyperprune train, timed);
#   3. a 4-candidate --preset paper search, --e0 1 --final-epochs 2, on the embedded corpus
#      (bench/search_overhead.py: wall time, ideal and where the time went).
#
# Needs a Python environment with this project's dependencies (torch with CUDA, ray, ...);
# nothing is downloaded. Each step has its own time limit; the whole takes about 8 minutes at
# most. Figures go to stdout and to $OUT (default ./device-check) as text files.
#
#   PYTHON=.venv/bin/python bash bench/device_check.sh
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=${OUT:-device-check}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
export HYPERPRUNE_CACHE=${HYPERPRUNE_CACHE:-$(mktemp -d)}
started=$(date +%s)

step() {  # step NAME LIMIT_SECONDS COMMAND...
    local name=$1 limit=$2
    shift 2
    echo "== $name (limit ${limit}s)"
    local t0
    t0=$(date +%s)
    timeout "$limit" "$@" 2>&1 | tee "$OUT/$name.txt"
    local rc=${PIPESTATUS[0]}
    echo "== $name: exit $rc after $(( $(date +%s) - t0 )) s" | tee -a "$OUT/$name.txt"
}

"$PYTHON" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0), torch.__version__)" \
    | tee "$OUT/device.txt" || { echo "no CUDA device: nothing to check"; exit 1; }

step paper_ls 150 "$PYTHON" bench/paper_ls.py --device cuda --train-batches 50
step paper_epoch 120 /usr/bin/env time -f "wall %e s" "$PYTHON" -c \
    "import sys; from hyperprune.cli import main; sys.exit(main())" train --preset paper --data embedded \
    --epochs 1 --device cuda --out "$OUT/paper-epoch-run"
step paper_search 330 "$PYTHON" bench/search_overhead.py --keep "$OUT/paper-search" -- \
    --preset paper --data embedded --max-evals 4 --e0 1 --ei 1 --final-epochs 2 --gpus-per-trial 0.25 \
    --cpus-per-trial 2 --no-report
echo "== all done in $(( $(date +%s) - started )) s; figures in $OUT/"
