#!/usr/bin/env bash
# Parse time of a generated Airflow DAG against the DAG a user would write
# by hand for the same pipeline (handwritten.py): a layered pipeline of N
# tasks (default 1,000; bench/gen -shape layered), each file parsed RUNS
# times (default 15) by Airflow's DagBag in a process of its own (CPU time,
# median), three such process pairs interleaved, the middle pair's figures
# compared. Prints the pairs, the ratio and the generated file's lines.
#
#   bench/airflow_parse/run.sh
#   N=100 RUNS=5 bench/airflow_parse/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-1000}
runs=${RUNS:-15}
py=${DAGC_CACHE:-$HOME/.cache/dagc}/airflow-venv/bin/python
[ -x "$py" ] || { echo "airflow_parse: no Airflow venv at $py (scripts/setup-tools.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/dagc" ./cmd/dagc
go run ./bench/gen -shape layered -n "$n" > "$work/layered.dag.hcl"
"$work/dagc" generate airflow "$work/layered.dag.hcl" -o "$work/dagc-out" > /dev/null 2>&1
mkdir -p "$work/hand-out"
"$py" bench/airflow_parse/handwritten.py "$work/layered.dag.hcl" > "$work/hand-out/layered_hand.py"
# Three process pairs, interleaved, so drift on a shared machine hits both.
gens=() hands=()
for _ in 1 2 3; do
  read -r g tasks < <("$py" bench/airflow_parse/measure.py "$work/dagc-out/layered_$n.py" "$runs")
  read -r h htasks < <("$py" bench/airflow_parse/measure.py "$work/hand-out/layered_hand.py" "$runs")
  gens+=("$g") hands+=("$h")
done
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
gen=$(med "${gens[@]}") hand=$(med "${hands[@]}")
echo "pairs (dagc / hand-written, CPU s): $(for i in 0 1 2; do printf '%s/%s ' "${gens[$i]}" "${hands[$i]}"; done)"
echo "tasks: dagc $tasks (a run-state watcher only where Airflow's leaf rule would judge the run otherwise), hand-written $htasks"
echo "lines: dagc $(wc -l < "$work/dagc-out/layered_$n.py") (+ dagc_runtime.py $(wc -l < "$work/dagc-out/dagc_runtime.py"), once per folder), hand-written $(wc -l < "$work/hand-out/layered_hand.py")"
echo "parse (CPU, median of $runs per process, middle of 3 pairs): dagc ${gen} s, hand-written ${hand} s, ratio $(awk -v a="$gen" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
