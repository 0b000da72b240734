#!/usr/bin/env bash
# Local snapshot release into dist/ (no image, nothing published).
# Usage: release-snapshot.sh GORELEASER [all|one]
#   all: every platform of .goreleaser.yaml (six archives, six packages)
#   one: linux/amd64 only, from a copy of the same config with the platform
#        lists narrowed: it proves the configuration (hooks, archives,
#        checksums, packages) in a fifth of the time, which CI needs on a
#        cold build cache.
set -euo pipefail
goreleaser=$1
targets=${2:-all}
config=.goreleaser.yaml
if [[ $targets == one ]]; then
  mkdir -p build
  config=build/goreleaser.one.yaml
  sed -e 's/^    goos: \[linux, darwin, windows\]$/    goos: [linux]/' \
      -e 's/^    goarch: \[amd64, arm64\]$/    goarch: [amd64]/' .goreleaser.yaml >"$config"
  grep -q '^    goos: \[linux\]$' "$config" && grep -q '^    goarch: \[amd64\]$' "$config" ||
    { echo "release-snapshot: could not narrow the platforms in .goreleaser.yaml" >&2; exit 1; }
elif [[ $targets != all ]]; then
  echo "release-snapshot: targets must be all or one, not $targets" >&2
  exit 2
fi
"$goreleaser" release -f "$config" --snapshot --clean --skip=docker,sign,publish,announce
