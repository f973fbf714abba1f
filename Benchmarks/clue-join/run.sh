#!/usr/bin/env bash
# Join time of a real CLUE endpoint (aiortc, Tests/BridgeTests/peers/clue_endpoint.py) against `clue-mcu serve`
# (release): from sending the INVITE to the first CLUE message received and to the end of the CLUE exchange
# (options, both advertisements, acks, configure, configureResponse). The baseline, measured in the same run, is the
# same peer against an aiortc peer and a Python CLUE stub in one process (`--self-test`): what the peer's own stack
# costs with no bridge at all. Prints medians and p90s, and the ratio of the medians.
# Usage: Benchmarks/clue-join/run.sh [CALLS]     (default 15)
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-15}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
make -s venv >/dev/null
swift build -c release --product clue-mcu >/dev/null 2>&1
cat > "$work/config.yaml" <<YAML
sip: { listen: ["udp://127.0.0.1:35160"], domain: bridge.test }
media: { address: 127.0.0.1, port: 35100 }
auth: { realm: bridge.test, users: { alice: secret } }
rooms: [ { id: demo } ]
state: $work/state.sqlite
log: { level: warning }
YAML
.build/release/clue-mcu serve --config "$work/config.yaml" 2>"$work/bridge.log" &
sleep 1
peer=(.venv/bin/python Tests/BridgeTests/peers/clue_endpoint.py)
for i in $(seq "$calls"); do
  "${peer[@]}" --sip 127.0.0.1:35160 --room demo --user alice --password secret --tone 0 \
    --exit-on-clue-complete --duration 5 2>/dev/null > "$work/bridge-$i.json"
  "${peer[@]}" --self-test 2>/dev/null > "$work/self-$i.json" || true
done
python3 - "$work" "$calls" <<'PY'
import json, statistics, sys
work, calls = sys.argv[1], int(sys.argv[2])
def load(prefix):
    first, done = [], []
    for i in range(1, calls + 1):
        d = json.load(open(f"{work}/{prefix}-{i}.json"))
        c = d["clue"]
        if c.get("first_message_ms_since_invite") is not None:
            first.append(c["first_message_ms_since_invite"])
        received = c.get("received") or []
        if c.get("complete") and received:
            done.append(max(m["t_ms"] for m in received))
    return first, done
def p90(xs): return sorted(xs)[max(0, int(len(xs) * 0.9) - 1)]
bf, bd = load("bridge"); sf, sd = load("self")
print(f"{calls} calls, UDP, digest auth, ICE-lite + DTLS + SCTP + RFC 8847 exchange")
print(f"baseline aiortc<->aiortc+stub: first CLUE message median {statistics.median(sf):.0f} ms (p90 {p90(sf)}), exchange done {statistics.median(sd):.0f} ms")
print(f"clue-mcu serve:                first CLUE message median {statistics.median(bf):.0f} ms (p90 {p90(bf)}), exchange done {statistics.median(bd):.0f} ms  [{len(bf)}/{calls} calls completed]")
print(f"ratio (first CLUE message, medians): {statistics.median(bf) / statistics.median(sf):.2f}x baseline")
PY
