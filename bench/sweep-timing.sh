#!/usr/bin/env bash
# Sweep speed-up check: the 4 jobs of configs/sweeps/quickstart-kl.yaml (kl.end x seed, shortened
# to 2 epochs on 30k images) run one after another with `svd run`, then as `svd sweep --jobs 2`.
# Prints both wall times and their ratio. Run it on an otherwise idle machine:
#   bash bench/sweep-timing.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SETS=(--set training.epochs=2 --set data.trainLimit=30000)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
t0=$(date +%s.%N)
for end in 3 5; do for seed in 0 1; do
  node bin/svd.js run configs/quickstart.yaml "${SETS[@]}" --set kl.end=$end --set seed=$seed \
    --runs-dir "$scratch/sequential" > /dev/null 2>&1
done; done
t1=$(date +%s.%N)
node bin/svd.js sweep configs/sweeps/quickstart-kl.yaml --jobs 2 "${SETS[@]}" > "$scratch/sweep.txt" 2>&1
t2=$(date +%s.%N)
tail -7 "$scratch/sweep.txt"
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  printf "one after another: %.1f s; svd sweep --jobs 2: %.1f s; ratio %.2f\n", b - a, c - b, (c - b) / (b - a) }'
