#!/usr/bin/env bash
# An Azure Quantum optimization (QIO) job through its whole life, with curl, against the emulator.
# Usage: docs/examples/azure-lifecycle.sh [BASE_URL]   (default http://127.0.0.1:8765)
set -euo pipefail
URL=${1:-http://127.0.0.1:8765}
WS="$URL/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Quantum/workspaces/ws"
V='api-version=2026-01-15-preview'
KEY=(-H 'x-ms-quantum-api-key: emulator')   # or: -H "Authorization: Bearer $(entra token)"
JOB=$(python3 -c 'import uuid; print(uuid.uuid4())')

# An Entra token works too (client credentials; any tenant and client id, secret "emulator"):
curl -sf -X POST "$URL/my-tenant/oauth2/v2.0/token" -d grant_type=client_credentials \
  -d client_id=my-app -d client_secret=emulator \
  -d scope=https://quantum.microsoft.com/.default | jq -c '{token_type, expires_in}'

# 1. A SAS URL for the job's container.
SAS=$(curl -sf -X POST "$WS/storage/sasUri?$V" "${KEY[@]}" -H 'Content-Type: application/json' \
  -d "{\"containerName\": \"job-$JOB\"}" | jq -r .sasUri)
CONTAINER=${SAS%%\?*}
QUERY=${SAS#*\?}

# 2. Upload the problem (gzip, as the official client does): a frustrated Ising triangle + a field.
echo '{"cost_function": {"version": "1.0", "type": "ising",
       "terms": [{"c": 1, "ids": [0, 1]}, {"c": 1, "ids": [1, 2]}, {"c": 1, "ids": [0, 2]},
                 {"c": -1, "ids": [0]}]}}' | gzip -c > /tmp/qio-problem.json.gz
curl -sf -o /dev/null -w 'upload: HTTP %{http_code}\n' -X PUT "$CONTAINER/inputData?$QUERY" \
  -H 'x-ms-blob-type: BlockBlob' -H 'x-ms-blob-content-type: application/json' \
  -H 'x-ms-blob-content-encoding: gzip' -H 'If-None-Match: *' --data-binary @/tmp/qio-problem.json.gz

# 3. Create the job.
curl -sf -X PUT "$WS/jobs/$JOB?$V" "${KEY[@]}" -H 'Content-Type: application/json' -d "{
  \"id\": \"$JOB\", \"name\": \"curl-demo\", \"providerId\": \"microsoft\",
  \"target\": \"microsoft.simulatedannealing.cpu\", \"itemType\": \"Job\",
  \"containerUri\": \"$SAS\", \"inputDataUri\": \"$CONTAINER/inputData\",
  \"inputDataFormat\": \"microsoft.qio.v2\", \"outputDataFormat\": \"microsoft.qio-results.v2\",
  \"inputParams\": {\"params\": {\"sweeps\": 200, \"seed\": 7}}, \"tags\": [\"curl-demo\"]}" \
  | jq -c '{id, status, target}'

# 4. Poll until final.
while :; do
  STATUS=$(curl -sf "$WS/jobs/$JOB?$V" "${KEY[@]}" | jq -r .status)
  echo "status: $STATUS"
  case "$STATUS" in Succeeded|Completed|Failed|Cancelled) break ;; esac
  sleep 0.2
done

# 5. Download the result through the job's (freshly signed) output link.
OUT=$(curl -sf "$WS/jobs/$JOB?$V" "${KEY[@]}" | jq -r .outputDataUri)
curl -sf --compressed "$OUT" | jq -c '{configuration, cost}'

# 6. Tag it, list it, and see what the emulator counted.
curl -sf -X PATCH "$WS/jobs/$JOB?$V" "${KEY[@]}" -H 'Content-Type: application/merge-patch+json' \
  -d '{"tags": ["curl-demo", "done"]}' | jq -c .tags
curl -sf -G "$WS/jobs" --data-urlencode "$V" --data-urlencode "filter=startswith(Name, 'curl')" \
  "${KEY[@]}" | jq -c '[.value[].id] | length'
curl -sf "$URL/_emulator/stats" | jq -c '.azure | {jobs_submitted, requests}'
