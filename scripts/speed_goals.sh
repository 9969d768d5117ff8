#!/usr/bin/env bash
# The speed goals of tenet's benchmarks (benchmarks/README.md) measured in one go, each goal by
# its own command, with the CPU model and the time of every run, then a summary: training at or
# above 1.1x the raw-oneDNN reference for nets A, B and C; single-image predict at or below 1.0x
# the reference for nets A and C; training keeping 55 % of its idle speed under one competing
# process; the automatic thread count within 3 % of two pinned threads on an idle machine; the
# main job (build/examples/two_view) within 45 s. Each run holds the build lock, so no build
# runs beside it.
#
# Usage: scripts/speed_goals.sh [RUNS=3]   (after scripts/build.sh; about 4 minutes at RUNS=3)
# The raw outputs stay in $TMPDIR/tenet-speed-goals.XXXXXX (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
if ! [[ $runs =~ ^[1-9][0-9]?$ ]]; then
  echo "usage: scripts/speed_goals.sh [RUNS: 1-99]" >&2
  exit 2
fi
for f in build/benchmarks/train_bench build/examples/two_view; do
  [[ -x $f ]] || { echo "$f is missing: run scripts/build.sh first" >&2; exit 1; }
done
out=$(mktemp -d "${TMPDIR:-/tmp}/tenet-speed-goals.XXXXXX")
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
locked() { flock /tmp/tenet-build.lock "$@"; }
stamp() { date -u +%H:%M:%S; }

echo "tenet speed goals, $(date -u +%Y-%m-%d), $cpu, $(nproc) CPUs, main $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
for ((r = 1; r <= runs; ++r)); do
  echo "$(stamp) train_bench --nets ABC (run $r of $runs)"
  locked build/benchmarks/train_bench --nets ABC > "$out/train_$r.txt" 2>&1
  for net in A C; do
    echo "$(stamp) train_bench --predict-loop $net 20000, then with ref (run $r of $runs)"
    locked build/benchmarks/train_bench --predict-loop $net 20000 > "$out/predict_${net}_$r.txt" 2>&1
    locked build/benchmarks/train_bench --predict-loop $net 20000 ref > "$out/predict_${net}_ref_$r.txt" 2>&1
  done
done
echo "$(stamp) train_bench --contention --nets A --rounds 3 --steps 150"
locked build/benchmarks/train_bench --contention --nets A --rounds 3 --steps 150 > "$out/contention.txt" 2>&1
echo "$(stamp) train_bench --idle-cost --nets A --rounds 20 --steps 150"
locked build/benchmarks/train_bench --idle-cost --nets A --rounds 20 --steps 150 > "$out/idle_cost.txt" 2>&1
echo "$(stamp) build/examples/two_view"
locked build/examples/two_view > "$out/two_view.txt" 2>&1

# The ratio column of train_bench's line for a case ("net A, batch 64"), one per run.
ratios() { cat "$out"/train_*.txt | grep "^$1 " | awk '{for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+\.[0-9][0-9]$/) { print $i; break }}'; }
# The median microseconds of a predict loop file.
micros() { grep -o 'median [0-9.]*' "$1" | awk '{print $2}'; }
range() { sort -n | awk '{v[NR] = $1} END {if (NR) printf "%s-%s (median %s)", v[1], v[NR], v[int((NR + 1) / 2)]}'; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {ok = op == ">=" ? v >= t : v <= t; print ok ? "met" : "NOT met"}'; }

echo
echo "summary ($cpu; every line's runs and times above, raw outputs in $out)"
for net in A B C; do
  m=$(ratios "net $net, batch 64" | median)
  printf '  training net %s, batch 64: tenet / reference %s   goal >= 1.10: %s\n' \
    "$net" "$(ratios "net $net, batch 64" | range)" "$(verdict "$m" ">=" 1.10)"
done
for net in A C; do
  for ((r = 1; r <= runs; ++r)); do
    t=$(micros "$out/predict_${net}_$r.txt") ref=$(micros "$out/predict_${net}_ref_$r.txt")
    awk -v t="$t" -v r="$ref" 'BEGIN {if (r > 0) printf "%.2f\n", t / r}'
  done > "$out/predict_${net}_ratios.txt"
  m=$(median < "$out/predict_${net}_ratios.txt")
  printf '  single-image predict net %s: tenet / reference %s   goal <= 1.00: %s\n' \
    "$net" "$(range < "$out/predict_${net}_ratios.txt")" "$(verdict "$m" "<=" 1.00)"
done
busy=$(grep 'net A tenet  ' "$out/contention.txt" | grep -o 'busy/idle *[0-9.]*' | awk '{print $2}')
printf '  under one competing process, net A: busy / idle %s   goal >= 0.55: %s\n' \
  "${busy:-?}" "$(verdict "${busy:-0}" ">=" 0.55)"
idle=$(grep -o 'automatic/pinned median [0-9.]*' "$out/idle_cost.txt" | awk '{print $3}')
printf '  idle machine, net A: automatic / pinned 2 threads %s   goal >= 0.97: %s\n' \
  "${idle:-?}" "$(verdict "${idle:-0}" ">=" 0.97)"
secs=$(grep -o 'Total time: [0-9.]*' "$out/two_view.txt" | awk '{print $3}')
acc=$(grep -o 'Test accuracy: [0-9.]*%' "$out/two_view.txt" | awk '{print $3}')
printf '  main job build/examples/two_view: %s s, test accuracy %s   goal <= 45 s: %s\n' \
  "${secs:-?}" "${acc:-?}" "$(verdict "${secs:-999}" "<=" 45)"
