#!/usr/bin/env bash
# Times `dagc generate BACKEND` on chains of 1k, 10k and 100k tasks
# (bench/gen -shape chain) for airflow, argo and stepfunctions, and checks
# the targets: 10k tasks under 1 s, and linear growth (10k -> 100k at most
# 15x; 10x is ideal). A backend may refuse a pipeline beyond its engine's
# limits (Step Functions: the run state at 100k tasks); the time to refuse
# is shown then. Prints a Markdown table; exits 1 when a check fails.
#
#   bench/generate.sh                     # 1000 10000 100000 tasks, 3 runs each
#   SIZES="1000 10000" RUNS=5 bench/generate.sh
#   go test ./bench/genbench -run '^$' -bench GenerateChain   # in process, no parse
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=(${SIZES:-1000 10000 100000})
runs=${RUNS:-3}
backends=(airflow argo stepfunctions)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/dagc" ./cmd/dagc
go build -o "$work/gen" ./bench/gen

now_ns() { date +%s%N; }
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

if [ ! -x /usr/bin/time ]; then
  echo "bench: /usr/bin/time is missing (Debian: apt-get install -y time)" >&2
  exit 2
fi

# Each cell: median wall time, and CPU time (user+sys), which a busy
# machine disturbs less.
printf '| tasks | file |'
for b in "${backends[@]}"; do printf ' %s wall / cpu (median of %d) |' "$b" "$runs"; done
printf '\n|---:|---:|'
for _ in "${backends[@]}"; do printf -- '---:|'; done
printf '\n'
declare -A ms
for n in "${sizes[@]}"; do
  f="$work/chain_$n.dag.hcl"
  "$work/gen" -shape chain -n "$n" >"$f"
  printf '| %d | %d KB |' "$n" $(( $(stat -c %s "$f") / 1024 ))
  for b in "${backends[@]}"; do
    walls=() cpus=() note=""
    for _ in $(seq "$runs"); do
      rm -rf "$work/out"
      t0=$(now_ns)
      if ! /usr/bin/time -q -f '%U %S' -o "$work/time" "$work/dagc" generate "$b" "$f" -o "$work/out" >/dev/null 2>"$work/err"; then
        note=" (refused: $(grep -m1 '^Error:' "$work/err" | sed 's/^Error: //'))"
      fi
      t1=$(now_ns)
      walls+=($(( (t1 - t0) / 1000000 )))
      read -r user sys <"$work/time"
      cpus+=($(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%d", (u+s)*1000}'))
    done
    w=$(med "${walls[@]}")
    c=$(med "${cpus[@]}")
    ms[$b,$n]=$w
    printf ' %d / %d ms%s |' "$w" "$c" "$note"
  done
  printf '\n'
done

status=0
check() { # name ok detail
  if [ "$2" = 1 ]; then echo "ok:   $1 ($3)"; else echo "FAIL: $1 ($3)"; status=1; fi
}
echo
for b in "${backends[@]}"; do
  if [ -n "${ms[$b,10000]:-}" ]; then
    check "$b: 10k tasks under 1 s" "$(( ms[$b,10000] < 1000 ))" "${ms[$b,10000]} ms"
  fi
  if [ -n "${ms[$b,10000]:-}" ] && [ -n "${ms[$b,100000]:-}" ]; then
    ratio=$(awk -v a="${ms[$b,10000]}" -v b="${ms[$b,100000]}" 'BEGIN{printf "%.1f", b/a}')
    check "$b: linear 10k -> 100k" "$(awk -v r="$ratio" 'BEGIN{print (r <= 15) ? 1 : 0}')" "${ratio}x time for 10x tasks"
  fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
exit $status
