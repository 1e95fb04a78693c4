# cli_outputs.cmake - what the command line leaves behind and how it reads its
# options (issue 12): every JSON output records the version, patient and options;
# getopt_long forms; units at the edges; regression tests for the user-facing
# defects.  Run with -DHEMOSIM=... -DSRC=... -DWORK=...
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(ECMO ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml)

# ---- provenance: version, patient, --set overrides in every JSON output
expect_run(0 ${HEMOSIM} run --set lv.ees=2.0 --set "heart.heart_rate=80 /min" --duration 3
           --summary-json -)
expect_match("${OUT}" "\"hemosim_version\": \"[0-9]")
expect_match("${OUT}" "\"set\": \\[\n    \"lv.ees=2.0\",\n    \"heart.heart_rate=80 /min\"\n  \\]")
expect_run(0 ${HEMOSIM} wean ${SRC}/tests/data/decide_mild.yaml --set lv.ees=1.5 --json -)
expect_match("${OUT}" "\"hemosim_version\": ")
expect_match("${OUT}" "\"patient_file\": \".*decide_mild.yaml\"")
expect_match("${OUT}" "\"set\": \\[\n    \"lv.ees=1.5\"")
expect_match("${OUT}" "\"flow_lpm\": 1.5")
foreach(calc "mcis;--regions;2,1,0" "reperfusion;--baseline-ml;80;--followup-ml;5"
        "tcd;--psv;100;--edv;20;--mean;50" "dose;--list")
  expect_run(0 ${HEMOSIM} stroke ${calc} --json)
  expect_match("${OUT}" "\"schema\": \"hemosim-stroke/1\",\n  \"hemosim_version\": ")
endforeach()
message(STATUS "cli outputs: provenance checks passed")

# ---- getopt_long: --name=value and --name value, --help everywhere, usage errors exit 1
expect_run(0 ${HEMOSIM} run --duration=2 --rate=100 -q)
expect_run(0 ${HEMOSIM} run --duration 2 --rate 100 -q --set=lv.ees=2.0)
expect_run(1 ${HEMOSIM} run --quiet=1)
expect_match("${ERR}" "option --quiet takes no value")
expect_run(1 ${HEMOSIM} run --out)
expect_match("${ERR}" "option --out needs a value")
expect_run(1 ${HEMOSIM} run -x)
expect_match("${ERR}" "unknown option '-x'")
foreach(cmd "run" "cohort" "params" "micro" "micro;analyze" "micro;schedule" "micro;titrate" "compare"
        "wean" "optimize" "calibrate" "stroke" "stroke;mcis" "stroke;reperfusion"
        "stroke;perfusion-class" "stroke;tcd" "stroke;dose" "validate")
  expect_run(0 ${HEMOSIM} ${cmd} --help)
  string(REPLACE ";" " " shown "${cmd}")
  expect_match("${OUT}" "usage: hemosim ${shown}")
  expect_run(1 ${HEMOSIM} ${cmd} --no-such-option)
endforeach()
expect_run(0 ${HEMOSIM} stroke tcd --psv=100 --edv=20 --mean 50)
expect_match("${OUT}" "PI 1.6")
expect_run(1 ${HEMOSIM} wean --flow=abc)
expect_match("${ERR}" "--flow: \"abc\" is not a number")
message(STATUS "cli outputs: option parsing checks passed")
