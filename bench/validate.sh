#!/usr/bin/env bash
# Measures `dagc validate` on generated pipelines of 1k, 10k and 100k tasks
# (about 3 edges per task, a mix of depends_on and task.X.outputs.Y), and
# checks the targets: 10k tasks in under 150 ms and 150 MB peak RSS, and
# linear growth. Prints a Markdown table; exits 1 when a check fails.
#
#   bench/validate.sh              # 1000 10000 100000 tasks, 5 runs each
#   SIZES="1000 10000" RUNS=3 bench/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=(${SIZES:-1000 10000 100000})
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "bench: /usr/bin/time is missing (Debian: apt-get install -y time)" >&2
  exit 2
fi

go build -o "$work/dagc" ./cmd/dagc
go build -o "$work/gen" ./bench/gen

now_ns() { date +%s%N; }

printf '| tasks | edges | file | wall (median of %d) | cpu user+sys | peak RSS | wall per 1k tasks |\n' "$runs"
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
declare -A wall_ms rss_mb
for n in "${sizes[@]}"; do
  f="$work/bench_$n.dag.hcl"
  edges=$("$work/gen" -n "$n" 2>&1 >"$f" | awk '{print $3}')
  size_kb=$(( $(stat -c %s "$f") / 1024 ))
  walls=() cpus=() peak=0
  for _ in $(seq "$runs"); do
    t0=$(now_ns)
    /usr/bin/time -f '%U %S %M' -o "$work/time" "$work/dagc" validate "$f" >/dev/null
    t1=$(now_ns)
    read -r user sys kb <"$work/time"
    walls+=($(( (t1 - t0) / 1000000 )))
    cpus+=($(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%d", (u+s)*1000}'))
    (( kb > peak )) && peak=$kb
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  w=$(med "${walls[@]}")
  c=$(med "${cpus[@]}")
  wall_ms[$n]=$w
  rss_mb[$n]=$(( peak / 1024 ))
  printf '| %d | %d | %d KB | %d ms | %d ms | %d MB | %s ms |\n' "$n" "$edges" "$size_kb" "$w" "$c" "${rss_mb[$n]}" \
    "$(awk -v w="$w" -v n="$n" 'BEGIN{printf "%.1f", w*1000/n}')"
done

status=0
check() { # name ok detail
  if [ "$2" = 1 ]; then echo "ok:   $1 ($3)"; else echo "FAIL: $1 ($3)"; status=1; fi
}
echo
if [ -n "${wall_ms[10000]:-}" ]; then
  check "10k tasks under 150 ms" "$(( wall_ms[10000] < 150 ))" "${wall_ms[10000]} ms"
  check "10k tasks under 150 MB" "$(( rss_mb[10000] < 150 ))" "${rss_mb[10000]} MB"
fi
# Linear: from 10k to 100k tasks the time may grow at most 15x (10x ideal;
# the margin covers cache effects and the fixed start-up cost).
if [ -n "${wall_ms[10000]:-}" ] && [ -n "${wall_ms[100000]:-}" ]; then
  ratio=$(awk -v a="${wall_ms[10000]}" -v b="${wall_ms[100000]}" 'BEGIN{printf "%.1f", b/a}')
  check "linear growth 10k -> 100k" "$(awk -v r="$ratio" 'BEGIN{print (r <= 15) ? 1 : 0}')" "${ratio}x time for 10x tasks"
  mratio=$(awk -v a="${rss_mb[10000]}" -v b="${rss_mb[100000]}" 'BEGIN{printf "%.1f", b/a}')
  check "linear memory 10k -> 100k" "$(awk -v r="$mratio" 'BEGIN{print (r <= 15) ? 1 : 0}')" "${mratio}x RSS for 10x tasks"
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
exit $status
