#!/usr/bin/env bash
# An IBM Quantum (Qiskit Runtime) job through its whole life, with curl, against the emulator.
# Usage: docs/examples/ibm-lifecycle.sh [BASE_URL]   (default http://127.0.0.1:8765)
# Needs bash, curl, jq (https://jqlang.org) and python3 (to decode the counts).
set -euo pipefail
URL=${1:-http://127.0.0.1:8765}
CRN='crn:v1:bluemix:public:quantum-computing:us-east:a/quickstart:open-plan::'

for tool in curl jq python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "ibm-lifecycle.sh needs $tool; install it and run again" >&2
    exit 1
  fi
done
RESULT=$(mktemp "${TMPDIR:-/tmp}/ibm-result.XXXXXX")
trap 'rm -f "$RESULT"' EXIT

# 1. Exchange the API key for an IAM token.
TOKEN=$(curl -sf -X POST "$URL/identity/token" \
  -d 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=local-emulator-key' | jq -r .access_token)
H=(-H "Authorization: Bearer $TOKEN" -H "Service-CRN: $CRN" -H "IBM-API-Version: 2026-04-15")
echo "token: received"

# 2. Submit a Bell-state sampler job, 1000 shots. The service runs only ISA circuits (the
#    backend's basis gates on its coupled qubits): on ibm_fez, cz/rz/sx on the pair (0, 1).
BELL='OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c;
rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1];
cz q[0], q[1]; rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1];
c[0] = measure q[0]; c[1] = measure q[1];'
JOB=$(curl -sf -X POST "$URL/api/v1/jobs" "${H[@]}" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg c "$BELL" '{program_id: "sampler", backend: "ibm_fez", tags: ["curl-demo"],
        params: {pubs: [[$c, null, 1000]], options: {}, version: 2}}')" | jq -r .id)
echo "submitted: job $JOB"

# 3. Poll until the job is final.
while :; do
  STATUS=$(curl -sf "$URL/api/v1/jobs/$JOB?exclude_params=true" "${H[@]}" | jq -r .state.status)
  echo "status: $STATUS"
  case "$STATUS" in Completed|Failed|Cancelled*) break ;; esac
  sleep 0.2
done

# 4. Fetch the result: a tagged PrimitiveResult whose BitArray is base64(zlib(npy)).
curl -sf "$URL/api/v1/jobs/$JOB/results" "${H[@]}" > "$RESULT"
echo "num_bits: $(jq -c '.__value__.pub_results[0].__value__.data.__value__.fields.c.__value__.num_bits' "$RESULT")"
python3 - "$RESULT" <<'PY'
import base64, collections, json, struct, sys, zlib, ast
result = json.load(open(sys.argv[1]))
bits = result["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"]["fields"]["c"]["__value__"]
raw = zlib.decompress(base64.b64decode(bits["array"]["__value__"]))
header_len = struct.unpack("<H", raw[8:10])[0]
header = ast.literal_eval(raw[10:10 + header_len].decode("latin1"))
shots, width = header["shape"][-2:]
data = raw[10 + header_len:]
counts = collections.Counter(format(int.from_bytes(data[i:i + width], "big"), f"0{bits['num_bits']}b")
                             for i in range(0, shots * width, width))
print("counts:", dict(counts))
PY

# 5. Metrics, logs, tags, then delete the finished job.
echo "metrics: $(curl -sf "$URL/api/v1/jobs/$JOB/metrics" "${H[@]}" | jq -c '{timestamps, usage}')"
echo "logs:"
curl -sf "$URL/api/v1/jobs/$JOB/logs" "${H[@]}" | head -3 | sed 's/^/  /'
curl -sf -o /dev/null -w 'tags: HTTP %{http_code}\n' -X PUT "$URL/api/v1/jobs/$JOB/tags" "${H[@]}" \
  -H 'Content-Type: application/json' -d '{"tags": ["curl-demo", "done"]}'
curl -sf -o /dev/null -w 'delete: HTTP %{http_code}\n' -X DELETE "$URL/api/v1/jobs/$JOB" "${H[@]}"
