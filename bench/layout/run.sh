#!/usr/bin/env bash
# Prints the layout benchmark table (see docs/stepfunctions-layout.md).
# Extra flags go to the program: -seed N, -graphs N, -timing=false.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./bench/layout "$@"
