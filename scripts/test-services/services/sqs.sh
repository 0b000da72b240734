# shellcheck shell=bash
# sqs: local-aws-sqs (JSON and Query protocols) via a tiny node launcher that
# binds 127.0.0.1 on a random port and prints its endpoint. No seeded queues.

install_sqs() {
  npm_ensure sqs '{ "name": "spt-testsvc-sqs", "private": true, "type": "module", "dependencies": { "local-aws-sqs": "2.0.2" } }'
  # The launcher must sit next to node_modules so the ESM import resolves.
  local f=$SPT_CACHE/npm/sqs/sqs-server.mjs
  _sqs_launcher >"$f.tmp" && mv "$f.tmp" "$f"
}

_sqs_launcher() {
  cat <<'JS'
import { createSqsServer } from "local-aws-sqs";
const server = await createSqsServer({
  port: 0,
  hostname: "127.0.0.1",
  emulateQueueCreationLifecycle: false,
});
console.log(`http://127.0.0.1:${server.address().port}`);
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
JS
}

start_sqs() {
  local d ep=
  d=$(svc_dir sqs)
  spawn sqs "$d/sqs.log" node "$SPT_CACHE/npm/sqs/sqs-server.mjs"
  _sqs_ep() {
    ep=$(grep -m1 -o '^http://127\.0\.0\.1:[0-9]*$' "$d/sqs.log")
    [[ -n $ep ]]
  }
  wait_until --pid "$SPAWNED_PID" 30 "sqs endpoint" _sqs_ep
  _sqs_ep
  emit SPT_SQS_ENDPOINT "$ep"
}
