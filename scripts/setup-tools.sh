#!/usr/bin/env bash
# Installs the engines' own tools into ${DAGC_CACHE:-~/.cache/dagc} (outside
# the clone): Airflow 3 in a Python virtualenv, the npm Step Functions tools,
# cfn-lint, Argo's offline lint built from its own Go module, and argorun (the
# manifests run under Argo's own controller, its own module too). Each step is
# idempotent and skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGC_CACHE="${DAGC_CACHE:-$HOME/.cache/dagc}"
mkdir -p "$DAGC_CACHE"
for step in airflow stepfunctions moto argo argorun; do
  script="scripts/setup-$step.sh"
  if [ -f "$script" ]; then
    start=$SECONDS
    bash "$script"
    echo "setup-tools: $step ready ($((SECONDS - start))s)"
  fi
done
