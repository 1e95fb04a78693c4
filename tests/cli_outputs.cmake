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
        "tcd;--psv;100;--edv;20;--mean;50" "dose;--list" "etici;--grade;2b67"
        "eligibility;--onset;6 h;--etici;2b67;--ivt;no;--territory;anterior;--weight;70")
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
foreach(cmd "run" "cohort" "params" "describe" "micro" "micro;analyze" "micro;schedule" "micro;titrate" "compare"
        "wean" "optimize" "calibrate" "stroke" "stroke;mcis" "stroke;reperfusion"
        "stroke;perfusion-class" "stroke;tcd" "stroke;dose" "stroke;eligibility" "stroke;etici" "stroke;course"
        "validate" "trial")
  expect_run(0 ${HEMOSIM} ${cmd} --help)
  string(REPLACE ";" " " shown "${cmd}")
  expect_match("${OUT}" "usage: hemosim ${shown}")
  expect_run(1 ${HEMOSIM} ${cmd} --no-such-option)
endforeach()
expect_run(0 ${HEMOSIM} stroke tcd --psv=100 --edv=20 --mean 50)
expect_match("${OUT}" "PI 1.6")
expect_run(1 ${HEMOSIM} wean --flow=abc)
expect_match("${ERR}" "--flow: \"abc\" is not a number")
# describe: the roles and parameters of a patient, as text and as JSON
expect_run(0 ${HEMOSIM} describe ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml)
expect_match("${OUT}" "brain_venous_outflow +svc")
expect_match("${OUT}" "ecmo +va_ecmo +drainage=ivc return=lower_arteries vent=\\(unbound\\)")
expect_match("${OUT}" "lv.ees")
expect_run(0 ${HEMOSIM} describe --json --set=lv.ees=2.0)
expect_match("${OUT}" "\"schema\": \"hemosim-describe/1\"")
expect_match("${OUT}" "\"role\": \"left_ventricle\"")
expect_run(1 ${HEMOSIM} describe a.yaml b.yaml)
message(STATUS "cli outputs: option parsing checks passed")

# ---- units at the edges and the user-facing defects of issue 12
expect_run(0 ${HEMOSIM} stroke dose --regimen tirofiban --weight "180 lb")
expect_match("${OUT}" "weight +81.647 kg")
expect_run(2 ${HEMOSIM} stroke dose --regimen ia-tnk-0.0625 --weight 70 --duration 20)
expect_match("${ERR}" "--duration: \"20\": a time needs its unit")
expect_run(0 ${HEMOSIM} run --duration 2 -q --set "drugs.norepinephrine=0.1 ug/kg/min")
# body weight and blood volume: the rescaling is said, and can be declined explicitly
expect_run(0 ${HEMOSIM} run --duration 2 -q --set "body.weight=95 kg")
expect_match("${ERR}" "note: the blood volume follows body.weight .* 4900 -> 6650 mL")
expect_run(2 ${HEMOSIM} run --duration 2 -q --set "body.weight=95 kg" --set body.scale_volume=false)
expect_match("${ERR}" "give circulation.blood_volume")
expect_run(0 ${HEMOSIM} run --duration 2 -q --set "body.weight=95 kg" --set body.scale_volume=false
           --set "circulation.blood_volume=4900 mL")
if(ERR MATCHES "note:")
  message(FATAL_ERROR "no rescaling, no note expected: ${ERR}")
endif()
# scenario events after the end of the run or of the scenario are errors
file(WRITE ${WORK}/late.yaml "hemosim_scenario: 1\nduration: 10 s\nevents:\n  - at: 12 s\n    set: {heart.heart_rate: 90 /min}\n")
expect_run(2 ${HEMOSIM} run -s ${WORK}/late.yaml)
expect_match("${ERR}" "late.yaml:4:9: event 1 at 12 s is after the end of the scenario")
file(WRITE ${WORK}/late2.yaml "hemosim_scenario: 1\nevents:\n  - at: 12 s\n    set: {heart.heart_rate: 90 /min}\n")
expect_run(2 ${HEMOSIM} run -s ${WORK}/late2.yaml --duration 5)
expect_match("${ERR}" "late2.yaml:4:29: the event at 12 s is after the end of the run \\(5 s\\)")
# measurement names in any case, percentages by one rule
file(WRITE ${WORK}/meas.yaml "hemosim_measurements: 1\nmeasurements:\n  MAP: 80\n  lvef: 0.15\n")
expect_run(2 ${HEMOSIM} calibrate ${WORK}/meas.yaml)
expect_match("${ERR}" "meas.yaml:4:9: measurements.lvef: value .0.15. is ambiguous")
# stroke eligibility: a criterion without its input is "not checked", never met (MARVEL
# NIHSS >= 6); given, it decides; a bare --onset gets a hint in hours or minutes
expect_run(0 ${HEMOSIM} stroke eligibility --onset "6 h" --etici 2b67 --ivt no --territory anterior)
expect_match("${OUT}" "MARVEL +unknown\n  rule     every other rule met; NIHSS >= 6 not checked \\(give --nihss\\)")
expect_run(0 ${HEMOSIM} stroke eligibility --onset "6 h" --etici 2b67 --ivt no --territory anterior
           --nihss 8 --json)
expect_match("${OUT}" "\"nihss\": 8")
expect_match("${OUT}" "\"status\": \"eligible\",\n *\"rule\": \"every rule checked is met: anterior-circulation[^\"]*NIHSS >= 6; not checked here: occlusion site")
expect_run(2 ${HEMOSIM} stroke eligibility --onset "6 h" --etici 2b67 --ivt no --territory anterior --nihss 43)
expect_match("${ERR}" "--nihss: \"43\" is not an NIHSS score: a whole number 0-42")
expect_run(2 ${HEMOSIM} stroke eligibility --onset 6 --etici 2b67 --ivt no --territory anterior)
expect_match("${ERR}" "--onset: \"6\": a time needs its unit \\(write e.g. \"6 h\", \"6 min\" or \"6 s\"")
expect_run(0 ${HEMOSIM} wean ${SRC}/tests/data/decide_mild.yaml -q)
if(NOT OUT STREQUAL "")
  message(FATAL_ERROR "wean -q printed: ${OUT}")
endif()
message(STATUS "cli outputs: unit and input checks passed")

# ---- a run's --out files appear together or not at all
expect_run(0 ${HEMOSIM} run --duration 3 -q --out ${WORK}/o1)
expect_run(0 ${HEMOSIM} run --duration 3 -q --out ${WORK}/o1) # replaces a previous run's outputs
file(GLOB o1 RELATIVE ${WORK}/o1 ${WORK}/o1/*)
list(SORT o1)
if(NOT "${o1}" STREQUAL "provenance.json;pv_loops.svg;summary.json;trend.csv;trend.json;trend.svg;trend_beats.csv;waveforms.csv;waveforms.svg")
  message(FATAL_ERROR "run --out: expected the nine outputs, got ${o1}")
endif()
expect_run(0 ${HEMOSIM} run --help) # its --out line names every file written
string(REGEX MATCH "--out DIR[^-]*" out_line "${OUT}")
foreach(f ${o1})
  string(FIND "${out_line}" "${f}" at)
  if(at LESS 0)
    message(FATAL_ERROR "run --help: the --out line does not name ${f}: ${out_line}")
  endif()
endforeach()
file(WRITE ${WORK}/o1/notes.txt "mine")
expect_run(2 ${HEMOSIM} run --duration 3 -q --out ${WORK}/o1)
expect_match("${ERR}" "holds 'notes.txt', which is not an output of a run")
# an output path that is a symbolic link replaces the file the link names (the link stays);
# one that is not a regular file is written in place: a write error is an error (exit 2),
# and the device stays a device (it used to be renamed over: as root --summary-json
# /dev/null replaced the device with a plain file).  The device is reached through a
# link in WORK, so a regression can only replace the link.
file(WRITE ${WORK}/linked.json "old")
file(CREATE_LINK linked.json ${WORK}/link.json SYMBOLIC)
expect_run(0 ${HEMOSIM} run -q --duration 1 --summary-json ${WORK}/link.json)
file(READ ${WORK}/linked.json linked)
expect_match("${linked}" "hemosim-summary")
if(NOT IS_SYMLINK ${WORK}/link.json)
  message(FATAL_ERROR "--summary-json replaced the symbolic link with a file")
endif()
if(EXISTS /dev/full)
  file(CREATE_LINK /dev/full ${WORK}/full.json SYMBOLIC)
  expect_run(2 ${HEMOSIM} run -q --duration 1 --summary-json ${WORK}/full.json)
  expect_match("${ERR}" "write failed: No space left on device")
  if(NOT IS_SYMLINK ${WORK}/full.json)
    message(FATAL_ERROR "--summary-json replaced the link to /dev/full")
  endif()
endif()
find_program(MKFIFO mkfifo)
find_program(CAT cat)
if(MKFIFO AND CAT)
  execute_process(COMMAND ${MKFIFO} ${WORK}/fifo)
  # the reader (cat, started by the same execute_process) takes what the run writes
  execute_process(COMMAND ${HEMOSIM} run -q --duration 1 --summary-json ${WORK}/fifo
                  COMMAND ${CAT} ${WORK}/fifo RESULT_VARIABLES rcs OUTPUT_VARIABLE fifo_out
                  TIMEOUT 60)
  expect_match("${fifo_out}" "hemosim-summary")
  file(GLOB fifo_tmp ${WORK}/fifo.tmp*)
  if(fifo_tmp OR NOT EXISTS ${WORK}/fifo OR IS_DIRECTORY ${WORK}/fifo)
    message(FATAL_ERROR "--summary-json to a FIFO: ${fifo_tmp}")
  endif()
endif()
# a run that fails (non-physical start) leaves no directory and no --summary-json
expect_run(2 ${HEMOSIM} run -q --out ${WORK}/o2 --summary-json ${WORK}/o2.json
           --set "circulation.blood_volume=100 mL")
if(EXISTS ${WORK}/o2 OR EXISTS ${WORK}/o2.json)
  message(FATAL_ERROR "a failed run left ${WORK}/o2 or its summary behind")
endif()
# SIGINT during a run: exit 130, nothing written, no temporaries
find_program(TIMEOUT timeout)
if(TIMEOUT)
  execute_process(COMMAND ${TIMEOUT} --preserve-status -s INT 2 ${HEMOSIM} run --duration 100000
                          -q --out ${WORK}/o3 --summary-json ${WORK}/o3.json
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 130 OR NOT err MATCHES "interrupted \\(signal 2\\): nothing written")
    message(FATAL_ERROR "SIGINT: exit ${rc}, stderr ${err}")
  endif()
  if(EXISTS ${WORK}/o3 OR EXISTS ${WORK}/o3.json)
    message(FATAL_ERROR "an interrupted run left outputs behind")
  endif()
endif()
# staging directories a SIGKILL left: removed by the next run of the same target when ours,
# older than 24 h and holding only outputs; a young one or one with other files stays
find_program(TOUCH touch)
if(TOUCH)
  foreach(d o4.tmpAAAAAA o4.oldBBBBBB o4.tmpCCCCCC o4.tmpDDDDDD o4x.tmpEEEEEE)
    file(MAKE_DIRECTORY ${WORK}/${d})
    file(WRITE ${WORK}/${d}/summary.json "{}")
  endforeach()
  file(WRITE ${WORK}/o4.tmpAAAAAA/trend.csv.tmpQ1w2E3 "partial")
  file(WRITE ${WORK}/o4.tmpDDDDDD/notes.txt "mine")
  foreach(d o4.tmpAAAAAA o4.oldBBBBBB o4.tmpDDDDDD o4x.tmpEEEEEE)
    execute_process(COMMAND ${TOUCH} -d "2 days ago" ${WORK}/${d})
  endforeach()
  expect_run(0 ${HEMOSIM} run --duration 2 -q --out ${WORK}/o4)
  foreach(d o4.tmpAAAAAA o4.oldBBBBBB)
    if(EXISTS ${WORK}/${d})
      message(FATAL_ERROR "stale ${d} (2 days old, only outputs) not removed")
    endif()
  endforeach()
  foreach(d o4.tmpCCCCCC o4.tmpDDDDDD o4x.tmpEEEEEE) # young / foreign file / other target
    if(NOT EXISTS ${WORK}/${d})
      message(FATAL_ERROR "${d} removed although not a stale leftover of o4")
    endif()
    file(REMOVE_RECURSE ${WORK}/${d})
  endforeach()
endif()
file(GLOB leftovers ${WORK}/*.tmp* ${WORK}/*.old*)
if(leftovers)
  message(FATAL_ERROR "temporary files or directories left behind: ${leftovers}")
endif()
# compare --flows: more than 32 values is an error, not a silent cut
string(REPEAT "3," 32 many)
expect_run(1 ${HEMOSIM} compare --flows "${many}3")
expect_match("${ERR}" "--flows: 33 values, at most 32")
expect_run(1 ${HEMOSIM} optimize --strategy=iabp --bogus)
message(STATUS "cli outputs: output directory checks passed")

# ---- trends (issue 16): --out writes every metric per beat and per interval, events kept;
# --sweep prints the README's ECMO flow table (same runs as separate --set runs)
file(WRITE ${WORK}/ramp.yaml "hemosim_scenario: 1\nduration: 130 s\nevents:\n  - at: 0 s\n    set: {ecmo.target_flow: 1 L/min}\n  - at: 60 s\n    set: {ecmo.target_flow: 2 L/min}\n")
expect_run(0 ${HEMOSIM} run ${ECMO} --scenario ${WORK}/ramp.yaml --trend-interval 60
           --out ${WORK}/trend -q)
foreach(f trend.csv trend_beats.csv trend.json trend.svg)
  if(NOT EXISTS ${WORK}/trend/${f})
    message(FATAL_ERROR "run --out: ${f} missing")
  endif()
endforeach()
file(STRINGS ${WORK}/trend/trend.csv rows)
list(LENGTH rows n)
if(NOT n EQUAL 4) # header + [0,60) + [60,120) + [120,130]
  message(FATAL_ERROR "trend.csv: ${n} lines, expected 4")
endif()
list(GET rows 0 head)
expect_match("${head}" "^t_start_s,t_end_s,beats,hr_bpm,.*,plasma_free_hb_mgdl,.*,ecmo_flow_lpm")
file(READ ${WORK}/trend/trend.json tj)
expect_match("${tj}" "\"label\": \"ecmo.target_flow 2 L/min\"")
expect_run(1 ${HEMOSIM} run --trend-interval 0)
expect_match("${ERR}" "--trend-interval must be a time")
expect_run(0 ${HEMOSIM} run ${ECMO} --sweep "ecmo.target_flow=1,3 L/min" --columns map_mmhg:0,ecmo_rpm:0)
expect_match("${OUT}" "^\\| ecmo.target_flow \\(L/min\\) \\| map_mmhg \\| ecmo_rpm \\|\n\\|---\\|---\\|---\\|\n\\| 1 \\| [0-9]+ \\| [0-9]+ \\|\n\\| 3 \\| [0-9]+ \\| [0-9]+ \\|")
expect_run(1 ${HEMOSIM} run --sweep "heart.heart_rate=70 /min" --duration 5)
expect_match("${ERR}" "--sweep runs to steady state per value")
# macro steps (solver.slow_step) over hours: a metric constant up to rounding (Hb 14 g/dL
# recomputed per macro step) is plotted as a constant, the run's outputs are all written
expect_run(0 ${HEMOSIM} run ${ECMO} -d "30 min" --set "solver.slow_step=600 s" --out ${WORK}/slow -q)
foreach(f trend.csv trend.svg summary.json)
  if(NOT EXISTS ${WORK}/slow/${f})
    message(FATAL_ERROR "run --out with solver.slow_step: ${f} missing")
  endif()
endforeach()
# Under balloon counterpulsation the MCA pulsatility index carries the balloon, not ICP:
# the run says so (docs/brain.md, Limits); with the balloon in standby it does not.
expect_run(0 ${HEMOSIM} run ${SRC}/tests/validation/patients/acute_mi_shock_iabp.yaml -q)
expect_match("${ERR}" "note: balloon counterpulsation: the MCA pulsatility index \\([0-9.]+\\) carries")
expect_run(0 ${HEMOSIM} run ${SRC}/tests/validation/patients/acute_mi_shock_iabp.yaml -q
           --set iabp.on=false)
if("${ERR}" MATCHES "counterpulsation")
  message(FATAL_ERROR "balloon in standby: unexpected counterpulsation note:\n${ERR}")
endif()
# Differential hypoxaemia with the brain's O2 reactivity off: the run says that the cerebral
# flow shown is the normoxic one; with the reactivity on it does not (nor in any shipped,
# normoxic patient: no_nan_outputs).
# The summary counts the steady-state search's blood-gas steps: none with both
# reactivities off, at least one with either on (docs/numerics.md, "Blood-gas steps").
expect_run(0 ${HEMOSIM} run ${ECMO} -q --set oxygen.shunt_fraction=0.5 --set "ecmo.target_flow=3 L/min"
           --summary-json -)
expect_match("${ERR}" "note: the brain receives blood with [0-9.]+ mL O2/dL, [0-9]+ % of a normoxic")
expect_match("${OUT}" "\"blood_gas_steps\": 0,")
# its coronary arteries get the desaturated blood too: the LV's contractility is matched to
# the O2 supply in outer steps of the search (docs/model.md 2.22)
expect_match("${OUT}" "\"matching_steps\": [1-9][0-9]*,")
expect_run(0 ${HEMOSIM} run ${ECMO} -q --set oxygen.shunt_fraction=0.5 --set "ecmo.target_flow=3 L/min"
           --set brain.o2_reactivity=1.3 --summary-json -)
if("${ERR}" MATCHES "the brain receives blood")
  message(FATAL_ERROR "O2 reactivity on: unexpected hypoxaemia note:\n${ERR}")
endif()
expect_match("${OUT}" "\"blood_gas_steps\": [1-9][0-9]*,")
# compare's built-in list escalates a drug the patient already receives, at most to its
# maximum: a patient on milrinone 0.75 gets milrinone 1 (0.75 + 0.375 is out of range)
# (--no-gain-check, --no-threshold-check: this is about the list, and the options are
# honoured).  A whole comparison for its list: Release only (38 s under the sanitizers)
if(NOT SANITIZED)
  expect_run(0 ${HEMOSIM} compare ${ECMO} --set "drugs.milrinone=0.75 ug/kg/min" --threads 2
             --no-gain-check --no-threshold-check)
  expect_match("${OUT}" "ECMO \\+ milrinone 1 ug/kg/min ")
  if("${OUT}" MATCHES "GAIN CHECK|THRESHOLD CHECK")
    message(FATAL_ERROR "compare --no-gain-check --no-threshold-check printed a check:\n${OUT}")
  endif()
endif()
message(STATUS "cli outputs: trend and sweep checks passed")
