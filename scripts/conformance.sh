#!/usr/bin/env bash
# The cross-engine conformance suite: installs the engines' tools (cached),
# then runs every example pipeline on every engine and prints the table.
# Extra arguments go to the suite (e.g. -only triggers,retries -keep DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGC_CACHE="${DAGC_CACHE:-$HOME/.cache/dagc}"
bash scripts/setup-tools.sh
go run ./conformance/suite -root . -cache "$DAGC_CACHE" "$@"
