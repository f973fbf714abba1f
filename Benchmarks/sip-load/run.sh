#!/usr/bin/env bash
# SIP load against `clue-mcu serve` (release build): authenticated CLUE calls per second over UDP, against sipp
# itself as a canned UAS doing the same call flow in the same run (the baseline). Prints both and the ratio.
# Usage: Benchmarks/sip-load/run.sh [CALLS] [RATE]     (defaults 3000 calls offered at 1500 calls/s)
set -euo pipefail
cd "$(dirname "$0")/../.."
calls=${1:-3000}
rate=${2:-1500}
here=Benchmarks/sip-load
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
swift build -c release --product clue-mcu >/dev/null 2>&1
cat > "$work/config.yaml" <<YAML
sip:
  listen: ["udp://127.0.0.1:35060"]
  domain: bridge.test
media: { address: 127.0.0.1, port: 35000 }
auth: { realm: bridge.test, users: { alice: secret }, algorithms: [MD5, SHA-256] }
rooms: [ { id: demo } ]
state: $work/state.sqlite
log: { level: warning }
YAML

measure() {  # $1 = port; prints "calls_per_second successful failed"
  local start end
  start=$(date +%s.%N)
  sipp -sf "$here/clue-call-load.xml" -s demo -au alice -ap secret -auth_uri "demo@127.0.0.1:$1" \
    -m "$calls" -r "$rate" -l 2000 -t u1 -i 127.0.0.1 -p 37100 -mp 36100 -nd -nostdin -timeout 120s \
    -trace_stat -stf "$work/stat-$1.csv" "127.0.0.1:$1" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  python3 - "$work/stat-$1.csv" "$start" "$end" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=';'))
head, last = rows[0], rows[-1]
ok = int(last[head.index('SuccessfulCall(C)')]); failed = int(last[head.index('FailedCall(C)')])
elapsed = float(sys.argv[3]) - float(sys.argv[2])
print(f"{ok / elapsed:.0f} {ok} {failed}")
PY
}

.build/release/clue-mcu serve --config "$work/config.yaml" 2>"$work/bridge.log" &
sleep 1
read -r bridge_cps bridge_ok bridge_failed < <(measure 35060)
kill %1; wait %1 2>/dev/null || true

sipp -sf "$here/uas-baseline.xml" -t u1 -i 127.0.0.1 -p 35070 -nd -nostdin -bg >/dev/null 2>&1 || true
sleep 0.5
read -r base_cps base_ok base_failed < <(measure 35070)
pkill -f "uas-baseline.xml" || true

echo "offered: $calls calls at $rate calls/s, UDP, digest (MD5) + CLUE offer/answer per call"
echo "baseline sipp UAS (canned answers): $base_cps calls/s ($base_ok ok, $base_failed failed)"
echo "clue-mcu serve:                      $bridge_cps calls/s ($bridge_ok ok, $bridge_failed failed)"
python3 -c "print(f'ratio: {int(\"$bridge_cps\") / max(1, int(\"$base_cps\")):.2f}x baseline')"
