#!/usr/bin/env bash
# A run-time fan-out of N items (default 10,000; DESIGN 2.5) over a
# list(string) param: one tiny command per item, then a join. Measures:
#   * local: `dagc run` wall time and peak RSS (/usr/bin/time);
#   * Step Functions: the definition's size (only the param default grows), and
#     the run through the conformance suite, compared with the local run
#     (STEPFUNCTIONS=0 skips it: one dagc exec process per item), in
#     aws-local-stepfunctions (SFN=local-sfn, the default; it runs the Map
#     inline) or moto's interpreter (SFN=moto: the distributed Map runs as
#     a Map Run of N child workflows); TIMEOUT (default 5m) bounds the run;
#   * Airflow: the map length it takes. The items task returns N entries and
#     Airflow refuses more than [core] max_map_length (default 1024): the
#     suite's Airflow column shows that failure at N > 1024 (AIRFLOW=1).
#
#   bench/fanout/run.sh                 # N=10000, local + Step Functions
#   SFN=moto TIMEOUT=60m bench/fanout/run.sh
#   N=1025 AIRFLOW=1 STEPFUNCTIONS=0 bench/fanout/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-10000}
cache=${DAGC_CACHE:-$HOME/.cache/dagc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/dagc" ./cmd/dagc

# A root the suite can run: testdata/ with the one pipeline, and the
# harnesses it starts (conformance/) from this checkout.
mkdir -p "$work/root/testdata"
ln -s "$PWD/conformance" "$work/root/conformance"
cat > "$work/root/testdata/fanout_$n.dag.hcl" <<HCL
# The items come from a list(string) param: an output is at most 32 KiB,
# which holds about 5,000 short items, not 10,000.
pipeline "fanout_$n" {
  description = "A run-time fan-out of $n items."

  defaults {
    image = "alpine:3.20"
  }
}

param "items" {
  type    = list(string)
  default = [$(seq 0 $((n - 1)) | sed 's/.*/"item-&"/' | paste -sd, -)]
}

task "each" {
  for_each = param.items
  command  = ["true", each.key, each.value]
}

task "join" {
  depends_on = [task.each]
  command    = ["echo", "every instance succeeded"]
}
HCL
file="$work/root/testdata/fanout_$n.dag.hcl"

echo "## run-time fan-out of $n items"
/usr/bin/time -f '%e %M' -o "$work/time" "$work/dagc" run --state-dir "$work/state" "$file" > "$work/run.log" 2>&1 || { tail -5 "$work/run.log"; exit 1; }
read -r wall rss < "$work/time"
echo "local: dagc run ${wall} s wall, peak RSS $((rss / 1024)) MiB ($(grep -c 'success' "$work/run.log" || true) lines with success)"

"$work/dagc" generate stepfunctions "$file" -o "$work/sfn" > /dev/null 2>&1
echo "stepfunctions: definition $(wc -c < "$work/sfn/fanout_$n.asl.json") bytes (the param's default holds the N items; the Map itself does not grow with N)"

engines=local
[ "${STEPFUNCTIONS:-1}" = 1 ] && engines="$engines,stepfunctions"
[ "${AIRFLOW:-0}" = 1 ] && engines="$engines,airflow"
if [ "$engines" != local ]; then
  start=$(date +%s)
  go run ./conformance/suite -root "$work/root" -cache "$cache" -dagc "$work/dagc" -engines "$engines" \
    -sfn "${SFN:-local-sfn}" -timeout "${TIMEOUT:-5m}" -keep "$work/keep" || true
  echo "suite ($engines, stepfunctions on ${SFN:-local-sfn}): $(( $(date +%s) - start )) s"
  if [ -f "$work/keep/fanout_$n/moto/history.json" ]; then
    python3 -c 'import json,sys,collections; c=collections.Counter(e["type"] for e in json.load(open(sys.argv[1]))); print("moto: parent history %d events, %d Map Runs, %d inline iterations" % (sum(c.values()), c["MapRunStarted"], c["MapIterationStarted"]))' "$work/keep/fanout_$n/moto/history.json"
  fi
fi
