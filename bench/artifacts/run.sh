#!/usr/bin/env bash
# The local runner's artifact path against cp: a consumer gets its
# producer's artifact as a hard link on the same file system, and as a copy
# with --isolate or across file systems (copy_file_range). SIZE_MIB of
# random data (default 1024), three runs each; page cache warm for both,
# as neither syncs. Prints MB/s for cp and for dagc's staging.
#
#   bench/artifacts/run.sh
#   SIZE_MIB=256 bench/artifacts/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
size=${SIZE_MIB:-1024}
work=$(mktemp -d)
other=$(mktemp -d -p /dev/shm 2>/dev/null || true)
trap 'rm -rf "$work" ${other:+"$other"}' EXIT
dd if=/dev/urandom of="$work/artifact" bs=1M count="$size" status=none
bytes=$((size * 1024 * 1024))
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f MB/s (%.3f s)", b / 1e6 / s, s }'; }
timed() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
for target in "$work" ${other:+"$other"}; do
  runs=()
  for i in 1 2 3; do
    runs+=("$(timed cp "$work/artifact" "$target/cp.$i")")
    rm -f "$target/cp.$i"
  done
  where="same file system"
  [ "$target" = "$work" ] || where="to /dev/shm (another file system)"
  echo "cp, $where: $(mbps "$(med "${runs[@]}")")"
  echo "dagc staging, $where:"
  DAGC_BENCH_ARTIFACT="$work/artifact" DAGC_BENCH_ARTIFACT_DST="$target" \
    go test ./backends/local -run '^$' -bench '^BenchmarkArtifactInputs$' -benchtime 3x | grep '^Benchmark' | sed 's/^/  /'
done
