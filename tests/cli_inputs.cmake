# cli_inputs.cmake - inputs a user can get wrong (issue 12 "hard to misuse"): every
# input file read one way (regular file, size cap, no NUL byte, file:line), percentages
# by one rule, clinical units through the one parser.  Commands that used to hang run
# under a TIMEOUT so that a regression fails instead of stalling CI.
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(P ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml)

# Like expect_run, under a time limit of `secs` (a hang is a failure).
function(expect_run_within secs code)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT ${secs})
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "`${ARGN}` exited '${rc}', expected ${code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()
# 20 s for most; 300 s for the runs that take seconds in Release and tens under the
# sanitizers (a whole optimize sweep)
macro(expect_run_t code)
  expect_run_within(20 ${code} ${ARGN})
endmacro()
macro(expect_run_slow code)
  expect_run_within(300 ${code} ${ARGN})
endmacro()

# ---- input files: devices refused at once, NUL bytes and long lines located
expect_run_t(2 ${HEMOSIM} compare ${P} --strategies /dev/zero)
expect_match("${ERR}" "/dev/zero: not a regular file")
# a NUL byte: printf is not portable in CMake, so write the file with a tool that has it
execute_process(COMMAND sh -c "printf 'ecmo\\necmo+impella_cp:P6\\000junk\\n' > ${WORK}/nul.txt")
expect_run_t(2 ${HEMOSIM} compare ${P} --strategies ${WORK}/nul.txt)
expect_match("${ERR}" "nul.txt:2: a NUL byte")
string(REPEAT "+iabp" 120 many)
file(WRITE ${WORK}/long.txt "ecmo${many}\necmo\n")
expect_run_t(2 ${HEMOSIM} compare ${P} --strategies ${WORK}/long.txt)
expect_match("${ERR}" "long.txt:1: strategy .* too long")
file(WRITE ${WORK}/study_zero.yaml "hemosim_cohort: 1\npatient: /dev/zero\npopulation:\n  size: 2\n  parameters:\n    lv.ees: {dist: uniform, min: 1, max: 2}\n")
expect_run_t(2 ${HEMOSIM} cohort ${WORK}/study_zero.yaml --out ${WORK}/czero)
expect_match("${ERR}" "not a regular file")
file(WRITE ${WORK}/study_table.yaml "hemosim_cohort: 1\npopulation: {design: table, table: /dev/zero}\n")
expect_run_t(2 ${HEMOSIM} cohort ${WORK}/study_table.yaml --out ${WORK}/ctable)
expect_match("${ERR}" "population.table: /dev/zero: not a regular file")

# ---- a percent target given as a fraction is refused with the hint, not read as 0.6 %
expect_run_t(1 ${HEMOSIM} compare ${P} --target svo2_min=0.6)
expect_match("${ERR}" "ambiguous.*write \"60 %\"")
file(WRITE ${WORK}/targets.yaml "hemosim_targets: 1\nsvo2_min: 0.6\n")
expect_run_t(2 ${HEMOSIM} compare ${P} --targets ${WORK}/targets.yaml)
expect_match("${ERR}" "targets.yaml:2:11: .*ambiguous")
# the lactate target is listed and shown
expect_run_t(0 ${HEMOSIM} compare --help)
expect_match("${OUT}" "lactate_max")
expect_run_t(0 ${HEMOSIM} compare ${P} --strategy ecmo --threads 1 --target lactate_max=2
             --target "svo2_min=62.5 %" --target "sao2_upper_min=88 %")
expect_match("${OUT}" "Targets: [^\n]*SvO2 >= 62.5 %, right-arm SaO2 >= 88 %, lactate <= 2 mmol/L, heart O2 demand/delivery <= its critical extraction \\(coronary venous PO2 >= 16 mmHg\\);")
# the upper-body SaO2 floor is a percent: a bare fraction is refused as ambiguous
expect_run_t(1 ${HEMOSIM} compare ${P} --target sao2_upper_min=0.9)
expect_match("${ERR}" "sao2_upper_min")
# targets agree with each other once all are set, whatever their order: raising both
# flow bounds above the default flow_max works, crossing them is refused
expect_run_t(0 ${HEMOSIM} compare ${P} --strategy ecmo --threads 1 --target flow_min=5
             --target flow_max=6)
expect_match("${OUT}" "ECMO 5.00 L/min")
expect_run_t(1 ${HEMOSIM} compare ${P} --strategy ecmo --target flow_min=5 --target flow_max=4)
expect_match("${ERR}" "flow_min = 5 L/min must be below flow_max = 4 L/min")
# a recommendation whose steady state was not reached says so where it is read
expect_run_t(0 ${HEMOSIM} compare ${P} --strategy "ecmo:4+impella_cp:P8" --threads 1
             --target pcwp_max=25 --set solver.steady_tol=1e-6 --set solver.max_beats=60)
expect_match("${OUT}" "RECOMMENDATION: [^\n]*Impella CP P8\n.*  Not steady: its periodic steady state was not reached")
expect_run_t(0 ${HEMOSIM} compare ${P} --strategy "ecmo:4+impella_cp:P8" --threads 1
             --target pcwp_max=25)
if("${OUT}" MATCHES "Not steady")
  message(FATAL_ERROR "a steady recommendation reads 'Not steady':\n${OUT}")
endif()
# ICP at or above MAP (a 120-mL lesion: cerebral circulatory arrest) is flagged, the
# healthy adult is not
expect_run_t(0 ${HEMOSIM} run ${SRC}/examples/patients/healthy_adult.yaml
             --set "brain.lesion_volume=120 mL")
expect_match("${ERR}" "warning: ICP 1[0-9][0-9] mmHg at or above MAP 1[0-9][0-9] mmHg: cerebral circulatory arrest")
expect_run_t(0 ${HEMOSIM} run ${SRC}/examples/patients/healthy_adult.yaml)
if("${ERR}" MATCHES "circulatory arrest")
  message(FATAL_ERROR "the healthy adult reads a cerebral circulatory arrest:\n${ERR}")
endif()
# a blood pump whose mean flow runs backwards (ECMO at 500 rpm, a stopped Impella on
# ECMO) is flagged; the running circuit and a septostomy's shunt are not
expect_run_t(0 ${HEMOSIM} run ${P} --set ecmo.control=rpm --set "ecmo.rpm=500 rpm")
expect_match("${ERR}" "warning: ecmo: mean pump flow -[0-9.]+ L/min, backwards")
expect_run_t(0 ${HEMOSIM} run ${SRC}/tests/validation/patients/acute_mi_shock_ecmo_impella_cp.yaml
             --set impella.level=0)
expect_match("${ERR}" "warning: impella: mean pump flow -0.5[0-9] L/min, backwards")
expect_run_t(0 ${HEMOSIM} run ${P})
if("${ERR}" MATCHES "backwards")
  message(FATAL_ERROR "a running circuit reads backwards:\n${ERR}")
endif()
# so does optimize's answer (Release only: 20 s of sweep under the sanitizers, where
# its answer's other branches run in the sweeps below and this one does not)
if(NOT SANITIZED)
  expect_run_slow(0 ${HEMOSIM} optimize ${P} -s impella --fixed-flow --threads 1
                  --target pcwp_max=25 --set solver.steady_tol=1e-6 --set solver.max_beats=60)
  expect_match("${OUT}" "least support meeting every target: [^\n]*; its periodic steady state was not reached")
endif()
# optimize takes --target as compare does (it was read as an abbreviation of --targets,
# a file name)
expect_run_slow(0 ${HEMOSIM} optimize ${P} -s ecmo-flow --threads 1 --target pcwp_max=15)
expect_match("${OUT}" "above the limit < 15\\)")
# its table shows what the microcirculation, the brain and the heart get, and names every
# miss
expect_match("${OUT}" "PSVD\\* mm/mm2 CBF mL/100g/min MVO2 mL/min heart O2 demand/delivery  targets")
expect_match("${OUT}" "\nECMO 1 L/min +1\\.00 [^\n]* 1[0-9]\\.[0-9] +[2-8][0-9] +[12][0-9]\\.[0-9] +[01]\\.[0-9][0-9]  misses PCWP DO2I heart\n")
if(NOT SANITIZED) # the same sweep again, another target's miss (Release only)
  expect_run_slow(0 ${HEMOSIM} optimize ${P} -s ecmo-flow --threads 1 --target psvd_min=20)
  expect_match("${OUT}" "\nECMO 4 L/min [^\n]*  misses PCWP PSVD\n")
endif()
expect_run_t(1 ${HEMOSIM} optimize ${P} -s ecmo-flow --target flow_min=3 --target flow_max=2)
expect_match("${ERR}" "flow_min = 3 L/min must be below flow_max = 2 L/min")

# ---- clinical units at the edges: every flag through the one unit parser
# micro titrate: --hours / --interval-h name their unit (bare = h), --flow needs its unit
expect_run_t(1 ${HEMOSIM} micro titrate ${P} --hours "2 h" --interval-h "3 h")
expect_match("${ERR}" "--interval-h \\(3\\) must not exceed --hours \\(2\\)")
expect_run_t(1 ${HEMOSIM} micro titrate ${P} --hours "90 min" --interval-h 2)
expect_match("${ERR}" "--interval-h \\(2\\) must not exceed --hours \\(1.5\\)")
expect_run_t(1 ${HEMOSIM} micro titrate ${P} --flow 3.5)
expect_match("${ERR}" "--flow: .*needs its unit .*\"3.5 L/min\"")
expect_run_t(1 ${HEMOSIM} micro titrate ${P} --flow "9 L/min")
expect_match("${ERR}" "--flow: \"9 L/min\" is 9 L/min, out of range \\(0, 8\\] L/min")
# micro analyze / schedule: cut-off and tolerance with their units
expect_run_t(0 ${HEMOSIM} micro analyze ${SRC}/examples/micro/va_ecmo_t1.yaml -q
             --small-cutoff "20 um" --t4-tolerance "8 h")
expect_run_t(0 ${HEMOSIM} micro analyze ${SRC}/examples/micro/va_ecmo_t1.yaml -q
             --small-cutoff "0.02 mm" --t4-tolerance "480 min")
expect_run_t(1 ${HEMOSIM} micro analyze ${SRC}/examples/micro/va_ecmo_t1.yaml --small-cutoff 20)
expect_match("${ERR}" "needs its unit")
expect_run_t(1 ${HEMOSIM} micro schedule ${SRC}/examples/micro/schedule.yaml --t4-tolerance 8)
expect_match("${ERR}" "--t4-tolerance: .*needs its unit")
# micro fit: both files needed; the fit is written as a patient file that micro titrate
# reads (a flag still wins); data without lengths and a patient without ECMO are refused
expect_run_t(1 ${HEMOSIM} micro fit ${P})
expect_match("${ERR}" "needs PATIENT_FILE and at least one MICRO_FILE")
expect_run_t(0 ${HEMOSIM} micro fit ${P} ${SRC}/examples/micro/va_ecmo_t1.yaml
             --out ${WORK}/fitted.yaml --json ${WORK}/fit.json)
expect_match("${OUT}" "ECMO 3.4 L/min, norepinephrine 0.12, dobutamine 5 \\(ug/kg/min\\)")
expect_match("${OUT}" "  TVD \\(mm/mm2\\) +16\\.84 +[0-9.]+ +16\\.84\n")
expect_match("${OUT}" "\nmicrocirculation:\n  obstructed: 0\\.09067\n  oedema: 0\\.2111\n")
file(READ ${WORK}/fitted.yaml fitted)
expect_match("${fitted}" "base: \"[^\n]*acute_mi_shock_ecmo\\.yaml\"\n")
expect_match("${fitted}" "microcirculation:\n  obstructed: 0\\.09067\n")
file(READ ${WORK}/fit.json fitj)
expect_match("${fitj}" "\"schema\": \"hemosim-micro-fit/1\"")
expect_match("${fitj}" "\"fits\": \\[\n    {\n      \"measurement_file\": \"[^\"]*va_ecmo_t1.yaml\",\n      \"time_point\": 1,")
expect_match("${fitj}" "\"measured\": {\n +\"tvd_mm_mm2\": 16\\.83[0-9]*,")
# a course: T1 then T2 of the same patient, each at its own ECMO flow and doses; the
# patient file takes the last; two patients in one course are said
expect_run_t(0 ${HEMOSIM} micro fit ${P} ${SRC}/examples/micro/va_ecmo_t1.yaml
             ${SRC}/examples/micro/va_ecmo_t2.yaml --out ${WORK}/fitted_t2.yaml)
expect_match("${OUT}" "course of the capillary dysfunction \\(2 time points\\):")
expect_match("${OUT}" "\n  T1 +9\\.5 +3\\.40 +12\\.82 +0\\.09067 +0\\.2111 +0\\.3816 ")
expect_match("${OUT}" "\n  T2 +26\\.0 +2\\.50 +16\\.30 +0\\.04245 ")
file(READ ${WORK}/fitted_t2.yaml fitted2)
expect_match("${fitted2}" "microcirculation:\n  obstructed: 0\\.04245\n")
expect_run_t(0 ${HEMOSIM} micro fit ${P} ${SRC}/examples/micro/va_ecmo_t1.yaml
             ${SRC}/examples/micro/few_sites.yaml -q)
expect_match("${ERR}" "few_sites.yaml is of patient 'ECMO-021', [^\n]*va_ecmo_t1.yaml of 'ECMO-017': a course is one patient's")
expect_run_t(0 ${HEMOSIM} micro titrate ${WORK}/fitted.yaml --hours "1 h" --json -)
expect_match("${OUT}" "\"obstructed\": 0\\.09067,\n *\"oedema\": 0\\.2111,")
expect_run_t(0 ${HEMOSIM} micro titrate ${WORK}/fitted.yaml --hours "1 h" --obstructed 0.2
             --json -)
expect_match("${OUT}" "\"obstructed\": 0\\.2,\n *\"oedema\": 0\\.2111,")
file(WRITE ${WORK}/crossings_only.yaml "hemosim_micro: 1\nsites:\n  - crossings: {small: [1, 2, 3, 20], large: [0, 0, 1, 4]}\n  - crossings: {small: [1, 2, 3, 20], large: [0, 0, 1, 4]}\n  - crossings: {small: [1, 2, 3, 20], large: [0, 0, 1, 4]}\n")
expect_run_t(2 ${HEMOSIM} micro fit ${P} ${WORK}/crossings_only.yaml)
expect_match("${ERR}" "crossings_only.yaml: micro fit: measured small-vessel TVD \\(mm/mm2\\) is missing")
expect_run_t(2 ${HEMOSIM} micro fit ${SRC}/examples/patients/acute_mi_shock.yaml
             ${SRC}/examples/micro/va_ecmo_t1.yaml)
expect_match("${ERR}" "ECMO flow of 3.4 L/min but the patient has no VA-ECMO device named 'ecmo'")
expect_run_t(2 ${HEMOSIM} micro fit ${P} ${SRC}/examples/micro/va_ecmo_t1.yaml
             --set microcirculation.oedema=9)
expect_match("${ERR}" "oedema")
# compare / optimize --micro: the fitted dysfunction is set first, said on stderr and
# recorded with the settings in the JSON; a bad file stops before any simulation
expect_run_slow(0 ${HEMOSIM} compare ${P} --micro ${SRC}/examples/micro/va_ecmo_t1.yaml
                --strategy ecmo --threads 1 --json ${WORK}/cmp_micro.json -q)
expect_match("${ERR}" "compare: microcirculation fitted to [^\n]*va_ecmo_t1.yaml \\(measured PSVD 12.8 mm/mm2\\): obstructed 0.09067")
file(READ ${WORK}/cmp_micro.json cmj)
expect_match("${cmj}" "\"set\": \\[\n +\"microcirculation.obstructed=0.09067\",")
expect_run_t(2 ${HEMOSIM} optimize ${P} -s ecmo-flow --micro ${WORK}/crossings_only.yaml)
expect_match("${ERR}" "--micro [^\n]*crossings_only.yaml: micro fit: measured small-vessel TVD")
# trial simulate --interval-h names hours; "30 min" is accepted (the run then stops at the seed)
expect_run_t(1 ${HEMOSIM} trial simulate ${WORK}/t.db --user sim --patient-file x.yaml
             --interval-h "30 min" --seed xyz)
expect_match("${ERR}" "--seed must be")
expect_run_t(1 ${HEMOSIM} trial simulate ${WORK}/t.db --user sim --patient-file x.yaml
             --interval-h "2 min")
expect_match("${ERR}" "--interval-h: .*out of range \\[0.05, 24\\] h")
# run --rate: a sampling rate in Hz (bare) or with its unit
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --rate "100 Hz" --out ${WORK}/rate)
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --rate "100 /s" --out ${WORK}/rate_s)
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --rate=100 --out ${WORK}/rate_bare)
file(READ ${WORK}/rate/waveforms.csv hz)
file(READ ${WORK}/rate_s/waveforms.csv per_s)
file(READ ${WORK}/rate_bare/waveforms.csv bare)
if(NOT hz STREQUAL per_s OR NOT hz STREQUAL bare)
  message(FATAL_ERROR "--rate: \"100 Hz\", \"100 /s\" and 100 wrote different CSV files")
endif()
string(REGEX MATCHALL "\n" rows "${hz}")
list(LENGTH rows nrows)
if(nrows LESS 95 OR nrows GREATER 105)
  message(FATAL_ERROR "--rate 100 over 1 s wrote ${nrows} rows, expected about 100")
endif()
expect_run_t(1 ${HEMOSIM} run --duration 1 -q --rate "100 mmHg")
expect_match("${ERR}" "--rate: \"100 mmHg\": a sampling rate is written \"100 Hz\"")
expect_run_t(1 ${HEMOSIM} run --duration 1 -q --rate "50 %")
expect_match("${ERR}" "--rate: \"50 %\": a sampling rate")
expect_run_t(1 ${HEMOSIM} run --duration 1 -q --rate "2e5 Hz")
expect_match("${ERR}" "--rate: \"2e5 Hz\" is 200000 Hz, out of range \\(0, 100000\\] Hz")
# a drug's venous Emax is a volume per kg body weight: "7.4 mL/kg" (or bare, mL/kg); a
# percent or another dimension is refused with the accepted units
expect_run_t(0 ${HEMOSIM} params drug_response)
expect_match("${OUT}" "nitroprusside_venous_emax +mL/kg +default 7 ")
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --set "drug_response.nitroprusside_venous_emax=7.4 mL/kg")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "drug_response.nitroprusside_venous_emax=7.4 %")
expect_match("${ERR}" "a volume per body weight is expected \\(accepted: mL/kg, L/kg\\)")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "body.blood_volume_per_kg=70 mmHg")
expect_match("${ERR}" "accepted: mL/kg, L/kg")
# the lactate module's per-kg parameters carry their units (issue 12): a distribution
# volume in L/kg, a clearance in L/h/kg, base excess in mmol/L; a bare number is refused
expect_run_t(0 ${HEMOSIM} params lactate)
expect_match("${OUT}" "clearance_l_per_h_per_kg +L/h/kg! +default 0.86 +range \\[0.05, 3\\]")
expect_match("${OUT}" "distribution_l_per_kg +L/kg! +default 0.5 +range \\[0.1, 1\\]")
expect_match("${OUT}" "base_excess +mmol/L +default 0 ")
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --set "lactate.distribution_l_per_kg=0.3 L/kg"
             --set "lactate.clearance_l_per_h_per_kg=10 mL/min/kg" --set "lactate.base_excess=-3 mEq/L")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "lactate.distribution_l_per_kg=0.3")
expect_match("${ERR}" "'distribution_l_per_kg': \"0.3\": a volume per body weight needs its unit \\(write e.g. \"0.3 L/kg\"")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "lactate.distribution_l_per_kg=2 L/kg")
expect_match("${ERR}" "'distribution_l_per_kg' = 2 L/kg is out of range \\[0.1 L/kg, 1 L/kg\\]")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "lactate.clearance_l_per_h_per_kg=0.86")
expect_match("${ERR}" "a clearance per body weight needs its unit \\(write e.g. \"0.86 L/h/kg\"")
# params / describe in the bedside unit; a range error names it
expect_run_t(0 ${HEMOSIM} params va_ecmo)
expect_match("${OUT}" "target_flow +L/min! +default 4 +range \\[0, 8\\]")
expect_run_t(0 ${HEMOSIM} describe ${P})
expect_match("${OUT}" "ecmo.target_flow +\\* 4 +L/min +\\[0, 8\\]")
expect_run_t(2 ${HEMOSIM} run ${P} --set "ecmo.target_flow=9 L/min" --duration 1 -q)
expect_match("${ERR}" "'target_flow' = 9 L/min is out of range \\[0 L/min, 8 L/min\\]")
# the brain's O2 reactivity (docs/brain.md): each parameter's range, its unit accepted
# (kPa for the reference PO2, minutes for the lag), a bare number the documented unit
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set brain.o2_reactivity=2.5)
expect_match("${ERR}" "'o2_reactivity' = 2.5 is out of range \\[0, 2\\]")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "brain.o2_reference=40 mmHg")
expect_match("${ERR}" "'o2_reference' = 40 mmHg is out of range \\[60 mmHg, 150 mmHg\\]")
expect_run_t(2 ${HEMOSIM} run --duration 1 -q --set "brain.o2_tau=2 s")
expect_match("${ERR}" "'o2_tau' = 2 s is out of range \\[10 s, 3600 s\\]")
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --set brain.o2_reactivity=1.3
             --set "brain.o2_reference=12 kPa" --set "brain.o2_tau=8 min")

# ---- provenance: run --out and cohort directories carry provenance.json; a checkpoint
# of another build is refused on --resume; --progress prints lines when stderr is no tty
expect_run_t(0 ${HEMOSIM} run --duration 1 -q --set "heart.heart_rate=80 /min" --out ${WORK}/prov)
file(READ ${WORK}/prov/provenance.json pj)
expect_match("${pj}" "\"schema\": \"hemosim-provenance/1\"")
expect_match("${pj}" "\"hemosim_version\": \"[0-9]")
expect_match("${pj}" "\"set\": \\[[^]]*heart.heart_rate=80 /min")
expect_match("${pj}" "\"waveforms.csv\"")
set(CS ${SRC}/tests/data/cohort_small.yaml)
expect_run_t(0 ${HEMOSIM} cohort ${CS} -q --out ${WORK}/coh --limit 4 --progress 0.001)
expect_match("${ERR}" "hemosim cohort: [0-9]+/10 patients [^\n]*left\n")
file(READ ${WORK}/coh/provenance.json cj)
expect_match("${cj}" "\"study\": \"small test study\"")
expect_match("${cj}" "\"fingerprint\": \"[0-9a-f]+\"")
expect_match("${cj}" "\"results.csv\"")
file(READ ${WORK}/coh/checkpoint.tsv ck)
string(REGEX REPLACE "^(hemosim-cohort-checkpoint [^\n]*) [^ \n]+\n" "\\1 0.0.1+other\n" ck "${ck}")
file(WRITE ${WORK}/coh/checkpoint.tsv "${ck}")
expect_run_t(2 ${HEMOSIM} cohort ${CS} -q --out ${WORK}/coh --resume)
expect_match("${ERR}" "written by hemosim 0.0.1\\+other, this is hemosim [0-9]")
message(STATUS "cli inputs: checks passed")

# ---- a circuit flow no team runs ("4 mL/min" for 4 L/min): accepted, and said
expect_run_t(0 ${HEMOSIM} run ${P} --duration 2 --set "ecmo.target_flow=4 mL/min")
expect_match("${ERR}" "note: --set ecmo.target_flow=4 mL/min is 0.004 L/min, below any clinical circuit flow")
expect_run_t(0 ${HEMOSIM} run ${P} --duration 2 --set "ecmo.target_flow=3 L/min")
if(ERR MATCHES "below any clinical circuit flow")
  message(FATAL_ERROR "a clinical flow was called implausible: ${ERR}")
endif()
