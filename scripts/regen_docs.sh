#!/bin/sh
# regen_docs.sh - regenerate, from one build, every number and figure the docs take from
# a simulation: docs/validation.md (the validation suite), tests/golden/*.json (golden
# per-patient metrics), the docs/img figures README.md shows (scripts/doc_figures.cmake)
# and the number tables and listings README.md and docs/ mark as generated
# (scripts/doc_tables.cmake).
#
#   scripts/regen_docs.sh            build (Release) first, then regenerate
#   HEMOSIM=path/to/hemosim scripts/regen_docs.sh   use an existing binary
#
# Run it on purpose, after a justified change of the model, and commit the results
# with a message that says which numbers changed and why (`git diff --stat` shows
# which files moved; `hemosim validate --refresh-golden` prints every golden change).
# ctest checks them: `validation_doc`, `golden`, `doc_figures` and `doc_tables`.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${HEMOSIM:-}" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target hemosim_cli >&2
  HEMOSIM=build/hemosim
fi
COMMIT=$(git describe --always --dirty 2>/dev/null || true)

status=0
"$HEMOSIM" validate -q --markdown docs/validation.md --commit "$COMMIT" || status=$?
if [ "$status" -eq 1 ]; then exit 1; fi
[ "$status" -eq 0 ] || echo "regen_docs.sh: some validation checks fail (shown in docs/validation.md)" >&2
"$HEMOSIM" validate --refresh-golden
cmake -DHEMOSIM="$HEMOSIM" -DSRC="$(pwd)" -DMODE=write -P scripts/doc_figures.cmake
cmake -DHEMOSIM="$HEMOSIM" -DSRC="$(pwd)" -DMODE=write -P scripts/doc_tables.cmake
"$HEMOSIM" params --markdown > docs/parameters.md.tmp && mv docs/parameters.md.tmp docs/parameters.md  # cli_smoke checks it
echo "regen_docs.sh: done; review with 'git diff --stat docs tests/golden' and commit" >&2
exit "$status"
