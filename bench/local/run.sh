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
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found: apt-get install -y time" >&2; exit 2; }

(cd "$root" && go build -o "$work/dagc" ./cmd/dagc)
(cd "$here" && go run gen.go -dir "$work")
cd "$work"

# measure TOOL ARGS...: prints "wall cpu" in seconds; cpu is user+sys of the
# tool and every process it started, less sensitive to a busy machine than
# the wall time.
measure() {
	local name=$1; shift
	clean
	/usr/bin/time -f '%e %U %S' -o time.txt "$@" >"$name.out" 2>&1 || { echo "$name failed:" >&2; tail "$name.out" >&2; exit 1; }
	check "$name"
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' time.txt
}
clean() { rm -rf o .dagc .ninja_log .ninja_deps; mkdir o; }
check() { n=$(ls o | wc -l); [ "$n" -eq 2000 ] || { echo "$1 made $n files, want 2000" >&2; exit 1; }; }

declare -A wall cpu
for r in $(seq "$rounds"); do
	# Interleaved, so a burst of load elsewhere hits every tool alike.
	for tool in dagc ninja make; do
		case $tool in
		dagc) res=$(measure dagc ./dagc run layered.dag.hcl -j 2) ;;
		ninja) res=$(measure ninja ninja -j 2) ;;
		make) res=$(measure make make -s -j 2) ;;
		esac
		wall[$tool]+="${res% *} "
		cpu[$tool]+="${res#* } "
	done
done
best() { tr ' ' '\n' | grep . | sort -g | head -1; }
echo "layered DAG: 50 layers x 40 tasks, 3 parents, -j 2, $rounds round(s), best of each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %9s %9s   %s\n' tool wall cpu "all walls"
for tool in dagc ninja make; do
	printf '%-6s %8.3fs %8.2fs   %s\n' "$tool" "$(echo "${wall[$tool]}" | best)" "$(echo "${cpu[$tool]}" | best)" "${wall[$tool]}"
done
bd=$(echo "${wall[dagc]}" | best); bn=$(echo "${wall[ninja]}" | best); bm=$(echo "${wall[make]}" | best)
cd_=$(echo "${cpu[dagc]}" | best); cn=$(echo "${cpu[ninja]}" | best)
printf 'ratio dagc/ninja = %.3f (wall)   %.3f (cpu)   dagc/make = %.3f (wall)\n' "$(echo "$bd / $bn" | bc -l)" "$(echo "$cd_ / $cn" | bc -l)" "$(echo "$bd / $bm" | bc -l)"
