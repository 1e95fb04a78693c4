#!/bin/sh
# serve_e2e.sh HEMOSIM SRC WORK [SCREENSHOT]
# End-to-end test of `hemosim serve` (the monitor, then the trial pages on a fresh trial
# database) in Debian's chromium (headless) with playwright-core
# from npm (pinned below, installed into WORK/node_modules on first run).  Exits 77
# (ctest SKIP_RETURN_CODE) with the reason when chromium, node or the npm package are not
# available: a skip is reported, never a silent pass.
set -eu
HEMOSIM=$1 SRC=$2 WORK=$3
SHOT=${4:-$WORK/serve.png}
case $SHOT in /*) ;; *) SHOT=$PWD/$SHOT ;; esac
PLAYWRIGHT_VERSION=1.65.1
mkdir -p "$WORK"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "SKIPPED: chromium is not installed (apt-get install chromium)"; exit 77; }
command -v node >/dev/null || { echo "SKIPPED: node is not installed (apt-get install nodejs npm)"; exit 77; }
if [ ! -f "$WORK/node_modules/playwright-core/package.json" ] ||
   ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$WORK/node_modules/playwright-core/package.json"; then
  command -v npm >/dev/null || { echo "SKIPPED: npm is not installed"; exit 77; }
  (cd "$WORK" && timeout 120 npm install --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION") ||
    { echo "SKIPPED: npm could not install playwright-core@$PLAYWRIGHT_VERSION (offline?)"; exit 77; }
fi
cp "$SRC/tests/e2e/serve_e2e.mjs" "$SRC/tests/e2e/trial_e2e.mjs" "$WORK/"

# the direction `hemosim run` gives for ECMO 4 -> 6 L/min on the test patient
P=$SRC/examples/patients/acute_mi_shock_ecmo.yaml
m() { "$HEMOSIM" run "$P" --set "ecmo.target_flow=$1 L/min" --summary-json - 2>/dev/null |
      sed -n "s/.*\"$2\": *\([-0-9.e]*\).*/\1/p" | head -1; }
sign() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? 1 : -1 }'; }
DIR_PCWP=$(sign "$(m 4 pcwp_mmhg)" "$(m 6 pcwp_mmhg)")
DIR_ESV=$(sign "$(m 4 lvesv_ml)" "$(m 6 lvesv_ml)")

mkdir -p "$WORK/root"
rm -f "$WORK/trial.db" "$WORK/trial.db-wal" "$WORK/trial.db-shm"
"$HEMOSIM" trial create "$WORK/trial.db" --protocol "$SRC/examples/trial/protocol.yaml" \
  --user e2e --seed 00000000000000e2 >/dev/null
"$HEMOSIM" serve --port 0 --root "$WORK/root" --trial "$WORK/trial.db" > "$WORK/serve.out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 50); do
  URL=$(sed -n 's/.*open \(http:[^ ]*\).*/\1/p' "$WORK/serve.out")
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "FAIL: the server did not start:"; cat "$WORK/serve.out"; exit 1; }
cd "$WORK"
node serve_e2e.mjs "$URL" "$CHROMIUM" "$SHOT" "$DIR_PCWP" "$DIR_ESV" "$SRC/examples/micro/va_ecmo_t1.yaml"
node trial_e2e.mjs "$URL" "$CHROMIUM" "$WORK/trial.png"
