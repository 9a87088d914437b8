#!/usr/bin/env bash
# An IBM Quantum (Qiskit Runtime) job through its whole life, with curl, against the emulator.
# Usage: docs/examples/ibm-lifecycle.sh [BASE_URL]   (default http://127.0.0.1:8765)
set -euo pipefail
URL=${1:-http://127.0.0.1:8765}
CRN='crn:v1:bluemix:public:quantum-computing:us-east:a/emulator:emulator::'

# 1. Exchange the API key for an IAM token.
TOKEN=$(curl -sf -X POST "$URL/identity/token" \
  -d 'grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=emulator' | jq -r .access_token)
H=(-H "Authorization: Bearer $TOKEN" -H "Service-CRN: $CRN" -H "IBM-API-Version: 2026-04-15")

# 2. Submit a Bell-state sampler job (an OpenQASM 3 circuit, 1000 shots). IBM backends run only
#    ISA circuits: Heron's gates (cz, rz, sx, x) on coupled qubits, here the pair (0, 1).
#    H = rz(pi/2) sx rz(pi/2); Bell = H q0; H q1; cz q0, q1; H q1.
H0='rz(pi/2) q[0]; sx q[0]; rz(pi/2) q[0];'
H1='rz(pi/2) q[1]; sx q[1]; rz(pi/2) q[1];'
BELL="OPENQASM 3.0; include \"stdgates.inc\"; qubit[2] q; bit[2] meas; $H0 $H1 cz q[0], q[1]; $H1 meas = measure q;"
JOB=$(curl -sf -X POST "$URL/api/v1/jobs" "${H[@]}" -H 'Content-Type: application/json' \
  -d "$(jq -n --arg c "$BELL" '{program_id: "sampler", backend: "ibm_fez", tags: ["curl-demo"],
        params: {pubs: [[$c, null, 1000]], options: {}, version: 2}}')" | jq -r .id)
echo "submitted job $JOB"

# 3. Poll until the job is final.
while :; do
  STATUS=$(curl -sf "$URL/api/v1/jobs/$JOB?exclude_params=true" "${H[@]}" | jq -r .state.status)
  echo "status: $STATUS"
  case "$STATUS" in Completed|Failed|Cancelled*) break ;; esac
  sleep 0.2
done

# 4. Fetch the result: a tagged PrimitiveResult whose BitArray is base64(zlib(npy)).
curl -sf "$URL/api/v1/jobs/$JOB/results" "${H[@]}" > /tmp/ibm-result.json
jq -c '.__value__.pub_results[0].__value__.data.__value__.fields.meas.__value__.num_bits' /tmp/ibm-result.json
python3 - /tmp/ibm-result.json <<'PY'
import base64, collections, json, struct, sys, zlib, ast
result = json.load(open(sys.argv[1]))
bits = result["__value__"]["pub_results"][0]["__value__"]["data"]["__value__"]["fields"]["meas"]["__value__"]
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
curl -sf "$URL/api/v1/jobs/$JOB/metrics" "${H[@]}" | jq -c '{timestamps, usage}'
curl -sf "$URL/api/v1/jobs/$JOB/logs" "${H[@]}" | head -3
curl -sf -o /dev/null -w 'tags: HTTP %{http_code}\n' -X PUT "$URL/api/v1/jobs/$JOB/tags" "${H[@]}" \
  -H 'Content-Type: application/json' -d '{"tags": ["curl-demo", "done"]}'
curl -sf -o /dev/null -w 'delete: HTTP %{http_code}\n' -X DELETE "$URL/api/v1/jobs/$JOB" "${H[@]}"
