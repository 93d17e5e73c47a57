#!/usr/bin/env bash
# Installs moto's server (an AWS API stand-in from PyPI) into the dagc cache,
# in a venv of its own: the conformance suite serves S3 (artifacts) and the
# Step Functions API (executions run by moto's own interpreter) from it on
# loopback. Safe to re-run: it skips what is already installed.
set -euo pipefail

cache="${DAGC_CACHE:-$HOME/.cache/dagc}"
venv="$cache/moto-venv"
moto_version="5.2.5"

if [ ! -x "$venv/bin/moto_server" ] || ! "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$moto_version')" 2>/dev/null; then
  echo "setup-moto: moto[server,s3,stepfunctions] $moto_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server,s3,stepfunctions]==$moto_version" >&2
fi

echo "setup-moto: ready ($venv/bin/moto_server)" >&2
