#!/usr/bin/env bash
# make demo: run `check` on a local sandbox and print the table.
set -euo pipefail
cd "$(dirname "$0")/.."
bin/spacectl-preflight check --env-file testdata/examples/valid.env --only 'config.*' || true
