#!/usr/bin/env bash
# Installs Apache Airflow 3 with the standard, cncf-kubernetes and amazon providers
# into ${DAGC_CACHE:-~/.cache/dagc}/airflow-venv, outside the clone, for the
# Airflow conformance checks (backends/airflow engine test, conformance
# suite). Idempotent: a stamp file records what was installed, and a venv
# whose stamp matches the pins below is left alone.
set -euo pipefail
CACHE="${DAGC_CACHE:-$HOME/.cache/dagc}"
VENV="$CACHE/airflow-venv"
STAMP="$VENV/.dagc-installed"

# Exact versions: a new Airflow release must be adopted on purpose.
PINS=(
  "apache-airflow==3.3.2"
  "apache-airflow-providers-standard==1.21.0"
  "apache-airflow-providers-cncf-kubernetes==10.25.0"
  # ObjectStoragePath over s3:// (artifacts, DESIGN 2.6).
  "apache-airflow-providers-amazon==9.39.0"
  "s3fs==2026.9.0"
)
want="${PINS[*]}"

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "setup-airflow: $VENV is up to date ($want)"
  exit 0
fi

# A venv made before the stamp existed (or by hand) is adopted when it
# already holds exactly the pinned versions.
if [ -x "$VENV/bin/python" ] && [ ! -f "$STAMP" ]; then
  if "$VENV/bin/python" - "${PINS[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
  then
    echo "$want" > "$STAMP"
    echo "setup-airflow: adopted the existing $VENV ($want)"
    exit 0
  fi
fi

# Airflow 3.3 supports CPython 3.10 to 3.13.
PY=""
for cand in python3.12 python3.11 python3.13 python3.10 python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
     "$cand" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 13)))' 2>/dev/null; then
    PY="$(command -v "$cand")"
    break
  fi
done
if [ -z "$PY" ]; then
  echo "setup-airflow: need Python 3.10-3.13 (python3.12, python3.11, ...) on PATH" >&2
  exit 1
fi

mkdir -p "$CACHE"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "${PINS[@]}"
"$VENV/bin/python" -c 'import airflow.sdk, airflow.providers.standard.operators.bash, airflow.providers.cncf.kubernetes.operators.pod, airflow.providers.amazon.aws.fs.s3, s3fs'
echo "$want" > "$STAMP"
echo "setup-airflow: installed $want into $VENV"
