#!/usr/bin/env bash
# Builds argorun — a generated Argo Workflow run offline under Argo's own
# controller code (conformance/argorun) — into
# ${DAGC_CACHE:-~/.cache/dagc}/bin/argorun, then runs its tests.
#
# The controller cannot be built over fake clientsets from outside its
# package, and `go build -overlay` refuses files of the module cache, so the
# pinned Argo module is copied out of the module cache into
# $DAGC_CACHE/argorun/argo-workflows, made writable, and given one
# file (conformance/argorun/_patch/offline.go; Go skips directories whose
# name starts with '_', so the harness does not compile it) in
# workflow/controller. A
# go.work beside it replaces Argo with that copy for the harness module.
# Everything, the Go build cache included, stays under $DAGC_CACHE/argorun.
#
# Idempotent: the copy is redone only when the patch or the version changes,
# the binary only when the harness, the patch or Go change (hash stamps).
set -euo pipefail
cd "$(dirname "$0")/.."
export DAGC_CACHE="${DAGC_CACHE:-$HOME/.cache/dagc}"
src="$PWD/conformance/argorun"
work="$DAGC_CACHE/argorun"
bin="$DAGC_CACHE/bin/argorun"
stamp="$bin.stamp"
mkdir -p "$work" "$DAGC_CACHE/bin"
export GOCACHE="$work/gocache"

argo=github.com/argoproj/argo-workflows/v3
(cd "$src" && GOWORK=off go mod download)
version=$(cd "$src" && GOWORK=off go list -m -f '{{.Version}}' "$argo")
moddir=$(cd "$src" && GOWORK=off go list -m -f '{{.Dir}}' "$argo")
copy="$work/argo-workflows"
patch_hash=$( { echo "$version"; cat "$src/_patch/offline.go"; } | sha256sum | cut -d' ' -f1)
if [ ! -f "$copy/.dagc-patch" ] || [ "$(cat "$copy/.dagc-patch")" != "$patch_hash" ]; then
  echo "setup-argorun: copying $argo $version out of the module cache"
  rm -rf "$copy" "$copy.tmp"
  cp -r "$moddir" "$copy.tmp"
  chmod -R u+w "$copy.tmp"
  cp "$src/_patch/offline.go" "$copy.tmp/workflow/controller/zz_dagc_offline.go"
  echo "$patch_hash" > "$copy.tmp/.dagc-patch"
  mv "$copy.tmp" "$copy"
fi
gover=$(awk '$1 == "go" {print $2; exit}' "$src/go.mod")
cat > "$work/go.work" <<WORK
go $gover

use $src

replace $argo $version => $copy
WORK
export GOWORK="$work/go.work"

hash=$( { go version; echo "$patch_hash"; cat "$src"/go.mod "$src"/go.sum $(ls "$src"/*.go | grep -v _test.go); } | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  echo "setup-argorun: argorun up to date ($bin)"
else
  start=$SECONDS
  echo "setup-argorun: building argorun (a cold build compiles Argo and Kubernetes: minutes)"
  (cd "$src" && go build -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  echo "$hash" > "$stamp"
  echo "setup-argorun: built $bin ($((SECONDS - start))s)"
fi

# The harness's own tests: manifests rendered by this repository's
# backends/argo (a replace to the repository) run under the controller.
(cd "$src" && go test ./...)
