#!/usr/bin/env bash
# Screenshot of what TensorBoard shows for a logdir, to judge legibility at
# card size: scripts/screenshot.sh LOGDIR OUT.png [DASHBOARD] (default images).
# Uses the test venv's TensorBoard and Debian's chromium (apt-get install chromium).
set -euo pipefail
logdir=$1 out=$2 dashboard=${3:-images}
here=$(cd "$(dirname "$0")/.." && pwd)
python=$(bash "$here/tests/tensorboard/setup_venv.sh" | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$python" -m tensorboard.main --logdir "$logdir" --host 127.0.0.1 --port "$port" \
  --samples_per_plugin images=1000 >/dev/null 2>&1 &
tb=$!
trap 'kill $tb 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/data/runs" >/dev/null && break; sleep 0.2; done
sleep 3
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --window-size=1400,1100 --virtual-time-budget=15000 \
  --screenshot="$out" "http://127.0.0.1:$port/#$dashboard" >/dev/null 2>&1
rm -rf "$profile"
echo "$out"
