#!/usr/bin/env bash
# Builds argolint — Argo Workflows' own offline strict lint (the code path of
# `argo lint --offline --strict`), from its own Go module in
# conformance/argolint — into ${DAGC_CACHE:-~/.cache/dagc}/bin/argolint.
# Idempotent: it rebuilds only when the module's sources or the Go version
# change (a hash stamp beside the binary). The module and build caches are
# Go's own (outside the clone), so a warm rebuild takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGC_CACHE="${DAGC_CACHE:-$HOME/.cache/dagc}"
bin="$DAGC_CACHE/bin/argolint"
stamp="$bin.stamp"
src=conformance/argolint
hash=$( { go version; cat "$src"/go.mod "$src"/go.sum $(ls "$src"/*.go | grep -v _test.go); } | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  echo "setup-argo: argolint up to date ($bin)"
else
  mkdir -p "$DAGC_CACHE/bin"
  echo "setup-argo: building argolint (github.com/argoproj/argo-workflows/v3 $(awk '$2 == "github.com/argoproj/argo-workflows/v3" {print $3; exit}' "$src/go.mod"))"
  (cd "$src" && go mod download && go build -trimpath -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "$hash" > "$stamp"
  echo "setup-argo: built $bin"
fi

# The module's own tests: the linter catches broken manifests, and dagc's
# manifests survive Argo's own templater. They import this repository's
# backends/argo, so they rerun whenever it changes; Go's test cache skips
# them otherwise.
(cd "$src" && go test ./...)
