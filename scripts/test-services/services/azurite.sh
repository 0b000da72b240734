# shellcheck shell=bash
# azurite: Azure Blob emulator, in-memory, well-known dev account.

SPT_AZURITE_ACCOUNT=devstoreaccount1
SPT_AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

install_azurite() {
  # EBADENGINE warning (wants node >= 22) is expected; blob works on node 20.
  npm_ensure azurite '{ "name": "spt-testsvc-azurite", "private": true, "dependencies": { "azurite": "3.37.0" } }'
}

start_azurite() {
  local d port url
  d=$(svc_dir azurite)
  port=$(free_port)
  # spawn runs it in $d, so anything Azurite writes stays in the run dir.
  spawn azurite "$d/azurite.log" "$SPT_CACHE/npm/azurite/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" \
    --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --silent
  wait_until --pid "$SPAWNED_PID" 60 azurite \
    curl -s -o /dev/null "http://127.0.0.1:$port/$SPT_AZURITE_ACCOUNT?comp=list"
  url="http://127.0.0.1:$port/$SPT_AZURITE_ACCOUNT"
  emit SPT_AZURITE_BLOB_URL "$url"
  emit SPT_AZURITE_ACCOUNT "$SPT_AZURITE_ACCOUNT"
  emit SPT_AZURITE_KEY "$SPT_AZURITE_KEY"
  emit SPT_AZURITE_CONNECTION_STRING \
    "DefaultEndpointsProtocol=http;AccountName=$SPT_AZURITE_ACCOUNT;AccountKey=$SPT_AZURITE_KEY;BlobEndpoint=$url;"
}
