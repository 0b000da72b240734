#!/usr/bin/env bash
# make demo: build, start a local sandbox (real PostgreSQL, MinIO and a TLS
# MQTT broker from the test-services harness, plus a freshly generated RSA
# key and the built-in queue), run `check` on it, print the table, and end
# by writing a support bundle. With SERVE=1 (make demo SERVE=1) it runs
# `serve` on the sandbox instead and prints its URL (DEMO_PORT, default 9464).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/test-services/run.sh -s postgres -s minio -s mosquitto -- scripts/demo-run.sh
