#!/usr/bin/env bash
# Installs the tools that prove dagc's Step Functions output into the dagc
# cache (outside any clone): the npm validators and local engine at the
# versions pinned in conformance/stepfunctions/package-lock.json, and cfn-lint
# in a venv of its own. Safe to re-run: it skips what is already installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${DAGC_CACHE:-$HOME/.cache/dagc}"
conf="$root/conformance/stepfunctions"
node_dir="$cache/node"
cfn_venv="$cache/cfn-venv"
cfn_lint_version="1.58.0"

mkdir -p "$node_dir"

# npm ci wants package.json and the lock side by side; copy both so the
# install lands in the cache and never in the clone.
if ! cmp -s "$conf/package-lock.json" "$node_dir/package-lock.json" || [ ! -d "$node_dir/node_modules" ]; then
  cp "$conf/package.json" "$conf/package-lock.json" "$node_dir/"
  echo "setup-stepfunctions: npm ci into $node_dir" >&2
  npm ci --prefix "$node_dir" --no-audit --no-fund --ignore-scripts --loglevel=error >&2
fi

if [ ! -x "$cfn_venv/bin/cfn-lint" ] || ! "$cfn_venv/bin/cfn-lint" --version 2>/dev/null | grep -q "$cfn_lint_version"; then
  echo "setup-stepfunctions: cfn-lint $cfn_lint_version into $cfn_venv" >&2
  python3 -m venv "$cfn_venv"
  "$cfn_venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$cfn_lint_version" >&2
fi

echo "setup-stepfunctions: ready (node modules: $node_dir/node_modules, cfn-lint: $cfn_venv/bin/cfn-lint)" >&2
