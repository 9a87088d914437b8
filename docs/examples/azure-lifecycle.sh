#!/usr/bin/env bash
# An Azure Quantum job on a current target (Quantinuum's H2 emulator, OpenQASM 2) through its
# whole life, with curl and jq, against the emulator; then a retired target refused.
# Usage: docs/examples/azure-lifecycle.sh [BASE_URL]   (default http://127.0.0.1:8765)
# Needs: bash, curl, jq, python3 (for a GUID).
set -euo pipefail
if ! command -v jq >/dev/null 2>&1; then
  echo "azure-lifecycle.sh needs jq (https://jqlang.org): apt-get install jq / brew install jq" >&2
  exit 2
fi
URL=${1:-http://127.0.0.1:8765}
WS="$URL/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Quantum/workspaces/ws"
V='api-version=2026-01-15-preview'
KEY=(-H 'x-ms-quantum-api-key: local-emulator-key')   # or: -H "Authorization: Bearer $(entra token)"
JOB=$(python3 -c 'import uuid; print(uuid.uuid4())')
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# An Entra token works too (client credentials; any tenant and client id, secret "local-emulator-key"):
printf 'token: '
curl -sf -X POST "$URL/my-tenant/oauth2/v2.0/token" -d grant_type=client_credentials \
  -d client_id=my-app -d client_secret=local-emulator-key \
  -d scope=https://quantum.microsoft.com/.default | jq -c '{token_type, expires_in}'

# 1. Which targets are offered, with their availability and average queue time (seconds).
echo 'targets offered:'
curl -sf "$WS/providerStatus?$V" "${KEY[@]}" \
  | jq -r '.value[].targets[] | "  \(.id)  \(.currentAvailability)  queue \(.averageQueueTime) s"'

# 2. A SAS URL for the job's container.
SAS=$(curl -sf -X POST "$WS/storage/sasUri?$V" "${KEY[@]}" -H 'Content-Type: application/json' \
  -d "{\"containerName\": \"job-$JOB\"}" | jq -r .sasUri)
CONTAINER=${SAS%%\?*}
QUERY=${SAS#*\?}

# 3. Upload the program as the official client's Quantinuum target does (application/qasm).
cat > "$TMP/bell.qasm" <<'QASM'
OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
QASM
curl -sf -o /dev/null -w 'upload: HTTP %{http_code}\n' -X PUT "$CONTAINER/inputData?$QUERY" \
  -H 'x-ms-blob-type: BlockBlob' -H 'x-ms-blob-content-type: application/qasm' \
  -H 'If-None-Match: *' --data-binary @"$TMP/bell.qasm"

# 4. Create the job: 100 shots on the H2-1 emulator.
printf 'created: '
curl -sf -X PUT "$WS/jobs/$JOB?$V" "${KEY[@]}" -H 'Content-Type: application/json' -d "{
  \"id\": \"$JOB\", \"name\": \"curl-demo\", \"providerId\": \"quantinuum\",
  \"target\": \"quantinuum.sim.h2-1e\", \"itemType\": \"Job\",
  \"containerUri\": \"$SAS\", \"inputDataUri\": \"$CONTAINER/inputData\",
  \"inputDataFormat\": \"honeywell.openqasm.v1\",
  \"outputDataFormat\": \"honeywell.quantum-results.v1\",
  \"inputParams\": {\"shots\": 100}, \"tags\": [\"curl-demo\"]}" \
  | jq -c '{id, status, target}'

# 5. Poll until final.
while :; do
  STATUS=$(curl -sf "$WS/jobs/$JOB?$V" "${KEY[@]}" | jq -r .status)
  echo "status: $STATUS"
  case "$STATUS" in Succeeded|Completed|Failed|Cancelled) break ;; esac
  sleep 0.2
done

# 6. Download the result through the job's (freshly signed) output link: one bitstring per
#    shot and register, highest bit first. Count them.
OUT=$(curl -sf "$WS/jobs/$JOB?$V" "${KEY[@]}" | jq -r .outputDataUri)
curl -sf --compressed "$OUT" > "$TMP/result.json"
printf 'shots: '
jq '.c | length' "$TMP/result.json"
printf 'counts of register c: '
jq -c '.c | group_by(.) | map({(.[0]): length}) | add' "$TMP/result.json"

# 7. Tag it, list it, and see what the emulator counted.
printf 'tags: '
curl -sf -X PATCH "$WS/jobs/$JOB?$V" "${KEY[@]}" -H 'Content-Type: application/merge-patch+json' \
  -d '{"tags": ["curl-demo", "done"]}' | jq -c .tags
printf "jobs named curl*: "
curl -sf -G "$WS/jobs" --data-urlencode "$V" --data-urlencode "filter=startswith(Name, 'curl')" \
  "${KEY[@]}" | jq -c '[.value[].id] | length'

# 8. Retired targets (QIO solvers, Quantinuum H1) accept no jobs: the answer says what to use.
printf 'retired target: '
curl -s -X PUT "$WS/jobs/$(python3 -c 'import uuid; print(uuid.uuid4())')?$V" "${KEY[@]}" \
  -H 'Content-Type: application/json' -d "{\"providerId\": \"microsoft\",
  \"target\": \"microsoft.simulatedannealing.cpu\", \"containerUri\": \"$SAS\",
  \"inputDataFormat\": \"microsoft.qio.v2\"}" | jq -r '"\(.error.code): \(.error.message)"'

printf 'emulator stats: '
curl -sf "$URL/_emulator/stats" | jq -c '.azure | {jobs_submitted, requests}'
