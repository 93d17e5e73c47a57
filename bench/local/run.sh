#!/usr/bin/env bash
# Runs the same layered DAG (50 layers x 40 tasks, `true && touch o/NAME`,
# 3 random parents in the layer before, fixed seed) with dagc, ninja and GNU
# make at -j 2, and prints the wall times and dagc's ratio to ninja.
#
#   bench/local/run.sh [ROUNDS]     (default 3 rounds; the best of each is kept)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v ninja >/dev/null || { echo "ninja not found: apt-get install -y ninja-build" >&2; exit 2; }
command -v make >/dev/null || { echo "make not found" >&2; exit 2; }

(cd "$root" && go build -o "$work/dagc" ./cmd/dagc)
(cd "$here" && go run gen.go -dir "$work")
cd "$work"

now() { date +%s.%N; }
clean() { rm -rf o .dagc .ninja_log .ninja_deps; mkdir o; }
check() { n=$(ls o | wc -l); [ "$n" -eq 2000 ] || { echo "$1 made $n files, want 2000" >&2; exit 1; }; }

time_dagc() { clean; t0=$(now); ./dagc run layered.dag.hcl -j 2 >dagc.out 2>&1; t1=$(now); check dagc; echo "$t1 - $t0" | bc; }
time_ninja() { clean; t0=$(now); ninja -j 2 >/dev/null; t1=$(now); check ninja; echo "$t1 - $t0" | bc; }
time_make() { clean; t0=$(now); make -s -j 2 >/dev/null; t1=$(now); check make; echo "$t1 - $t0" | bc; }

best() { sort -g | head -1; }
d=(); n=(); m=()
for r in $(seq "$rounds"); do
	d+=("$(time_dagc)"); n+=("$(time_ninja)"); m+=("$(time_make)")
done
bd=$(printf '%s\n' "${d[@]}" | best)
bn=$(printf '%s\n' "${n[@]}" | best)
bm=$(printf '%s\n' "${m[@]}" | best)
echo "layered DAG: 50 layers x 40 tasks, 3 parents, -j 2, best of $rounds"
printf 'dagc   %6.3fs   (all: %s)\n' "$bd" "${d[*]}"
printf 'ninja  %6.3fs   (all: %s)\n' "$bn" "${n[*]}"
printf 'make   %6.3fs   (all: %s)\n' "$bm" "${m[*]}"
printf 'ratio dagc/ninja = %.3f   dagc/make = %.3f\n' "$(echo "$bd / $bn" | bc -l)" "$(echo "$bd / $bm" | bc -l)"
