#!/bin/sh
# baroreflex_sensitivity.sh - the model's heart-rate baroreflex sensitivity (BRS), as the
# phenylephrine test measures it (Eckberg et al. 1971; La Rovere et al. 1988): a pressor
# step (vasopressin 0.0003 U/kg/min, no direct chronotropic effect) after 300 s, and the
# slope of each beat's R-R interval against the systolic pressure of the beat before over
# the 15 s after the step, in ms/mmHg (docs/baroreflex.md, "Reflex gain in heart failure").
# usage: HEMOSIM=build/hemosim sh scripts/baroreflex_sensitivity.sh PATIENT.yaml [--set ...]
set -eu
HEMOSIM=${HEMOSIM:-build/hemosim}
[ $# -ge 1 ] || { echo "usage: $0 PATIENT.yaml [hemosim run options]" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/step.yaml" <<'YAML'
hemosim_scenario: 1
name: pressor step (phenylephrine-like)
duration: 330 s
events:
  - at: 300 s
    set: {drugs.vasopressin: 0.0003 U/kg/min}
YAML
"$HEMOSIM" run "$@" -s "$tmp/step.yaml" -q --out "$tmp/out" >/dev/null
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { t = $c["t_end_s"]; rr = 60000 / $c["hr_bpm"]; s = $c["sbp_mmhg"]
    if (have && tp >= 300 && tp <= 315) { n++; sx += sp; sy += rr; sxx += sp * sp; sxy += sp * rr }
    tp = t; sp = s; have = 1 }
  END { if (n < 3) { print "too few beats" > "/dev/stderr"; exit 1 }
        b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        printf "BRS %.2f ms/mmHg (%d beats)\n", b, n }' "$tmp/out/trend_beats.csv"
