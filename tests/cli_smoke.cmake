# cli_smoke.cmake - the command line as a user meets it: help, the default run,
# outputs on disk, and clear errors with the documented exit codes.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

expect_run(0 ${HEMOSIM} --help)
expect_match("${OUT}" "usage: hemosim <command>")
foreach(cmd run params validate)
  expect_run(0 ${HEMOSIM} ${cmd} --help)
  expect_match("${OUT}" "usage: hemosim ${cmd}")
endforeach()
expect_run(1 ${HEMOSIM} nosuchcommand)
expect_run(1 ${HEMOSIM} run --no-such-option)
expect_match("${ERR}" "unknown option '--no-such-option'")
expect_run(1 ${HEMOSIM} validate --no-such-option)
# a malformed validation case is an input error (2) located at file:line:col, nothing runs
file(WRITE ${WORK}/bad_case.yaml "id: bad_case\ntitle: t\nsource: s\nsetup: s\nconditions:\n  a:\n    patient: ${SRC}/examples/patients/healthy_adult.yaml\nchecks:\n  - quantity: map_mmhg\n    kind: ratio\n    at: a\n    published: x\n    band: [1, 2]\n")
expect_run(2 ${HEMOSIM} validate ${WORK}/bad_case.yaml)
expect_match("${ERR}" "bad_case.yaml:10:11: check 1 \\(map_mmhg\\): unknown kind 'ratio'")

# the default patient, JSON on stdout
expect_run(0 ${HEMOSIM} run --summary-json -)
expect_match("${OUT}" "\"schema\": \"hemosim-summary/1\"")
foreach(name hr_bpm sbp_mmhg dbp_mmhg map_mmhg pulse_pressure_mmhg co_lpm lv_output_lpm lvedv_ml
        lvesv_ml lvef_pct lvedp_mmhg rvedv_ml rvesv_ml pcwp_mmhg cvp_mmhg spap_mmhg dpap_mmhg
        mpap_mmhg av_open_fraction coronary_perfusion_pressure_mmhg lv_stroke_work_mmhg_ml
        lv_pva_mmhg_ml total_blood_volume_ml)
  expect_match("${OUT}" "\"${name}\": [0-9]")
endforeach()
expect_match("${OUT}" "\"reached\": true")

# a signal that names no node or edge: the error lists the valid names
expect_run(2 ${HEMOSIM} run --duration 1 --signals p:nope --out ${WORK}/sig)
expect_match("${OUT}${ERR}" "no node named 'nope' \\(nodes: lv, rv, la, ra, aortic_root")
expect_run(2 ${HEMOSIM} run --duration 1 --signals q:nope --out ${WORK}/sig)
expect_match("${OUT}${ERR}" "no edge named 'nope' \\(edges: aortic_valve, mitral_valve")

# a patient file, --set, scenario, output directory
file(WRITE ${WORK}/scenario.yaml "hemosim_scenario: 1\nduration: 12 s\nevents:\n  - at: 2 s\n    set: {heart.heart_rate: 90 /min}\n")
expect_run(0 ${HEMOSIM} run ${SRC}/examples/patients/healthy_adult.yaml --set lv.ees=2.0
           --scenario ${WORK}/scenario.yaml --out ${WORK}/out --rate 100)
expect_match("${OUT}" "hr_bpm +90.00")
foreach(f summary.json waveforms.csv pv_loops.svg waveforms.svg)
  if(NOT EXISTS ${WORK}/out/${f})
    message(FATAL_ERROR "missing output ${f}")
  endif()
endforeach()
file(STRINGS ${WORK}/out/waveforms.csv header LIMIT_COUNT 1)
expect_match("${header}" "^t_s,p_lv_mmhg,v_lv_ml,")
file(READ ${WORK}/out/pv_loops.svg svg)
expect_match("${svg}" "</svg>")
file(GLOB leftovers ${WORK}/out/*.tmp*)
if(leftovers)
  message(FATAL_ERROR "temporary files left behind: ${leftovers}")
endif()

# errors name the file, line and field, exit code 2
file(WRITE ${WORK}/bad.yaml "hemosim_patient: 1\nheart:\n  heart_rate: 900\n")
expect_run(2 ${HEMOSIM} run ${WORK}/bad.yaml)
expect_match("${ERR}" "bad.yaml:3:15: heart: field 'heart_rate' = 900 /min is out of range \\[20 /min, 250 /min\\]")
expect_run(2 ${HEMOSIM} run ${WORK}/missing.yaml)
expect_match("${ERR}" "missing.yaml")
expect_run(2 ${HEMOSIM} run --set lv.ees=-1)
expect_match("${ERR}" "out of range")
expect_run(1 ${HEMOSIM} run --duration abc)

expect_run(0 ${HEMOSIM} params valve)
expect_match("${OUT}" "regurgitant_area")


# docs/parameters.md is generated from the parameter tables and must match them
expect_run(0 ${HEMOSIM} params --markdown)
file(READ ${SRC}/docs/parameters.md doc)
string(FIND "${doc}" "${OUT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/parameters.md is stale: regenerate it with `hemosim params --markdown`")
endif()
message(STATUS "cli smoke: all checks passed")

# compare: a table, a recommendation line, JSON
expect_run(0 ${HEMOSIM} compare --help)
expect_match("${OUT}" "usage: hemosim compare")
# (the threshold check's two comparisons Release-only: under the sanitizers it runs in
# test_compare's test_threshold_check)
set(PO2CHK "")
if(SANITIZED)
  set(PO2CHK --no-threshold-check)
endif()
expect_run(0 ${HEMOSIM} compare ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml --flows 3
           --strategy ecmo --strategy ecmo+impella_5.0:P8 --json - ${PO2CHK})
expect_match("${OUT}" "\"schema\": \"hemosim-compare/3\"")
expect_match("${OUT}" "\"reason\": ")
expect_match("${OUT}" "\"risks\": ")
expect_match("${OUT}" "\"hemosim_version\": ")
expect_match("${OUT}" "\"patient_file\": \"[^\"]*acute_mi_shock_ecmo.yaml\"")
expect_match("${OUT}" "\"ecmo_flow_sweep_lpm\": \\[\n *3")
# the heart target set ECMO alone's flow (3.25 L/min): the threshold check ran, and the
# answer (the Impella 5.0 at 1.5 L/min) holds
if(NOT SANITIZED)
  expect_match("${OUT}" "\"threshold_check\": {\n *\"patient_critical_venous_po2_mmhg\": 16[.0]*,[^}]*\"verdict\": \"holds\"")
endif()
# the targets: one JSON shape for compare, optimize and titrate (io/json_util.h hs_jtargets)
set(TARGETS_SHAPE "\"targets\": {\n *\"pcwp_max_mmhg\": [0-9.]+,\n *\"map_min_mmhg\": [0-9.]+,\n *\"do2i_min_mlmin_m2\": [0-9.]+,\n *\"svo2_drained_min_pct\": [0-9.]+,\n *\"sao2_upper_min_pct\": [^,]+,\n *\"lactate_max_mmol_l\": [^,]+,\n *\"psvd_min_mm_mm2\": [^,]+,\n *\"heart_er_max\": [^,]+,\n *\"cvp_max_mmhg\": [^,]+,\n *\"flow_min_lpm\": [0-9.]+,\n *\"flow_max_lpm\": [0-9.]+")
expect_match("${OUT}" "${TARGETS_SHAPE}")
expect_run(0 ${HEMOSIM} compare ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --strategy ecmo --strategy ecmo+impella_cp:P6 --context lv_thrombus --no-threshold-check)
expect_match("${OUT}" "Impella contraindicated: LV thrombus")
expect_match("${OUT}" "PCWP mmHg")
expect_run(0 ${HEMOSIM} compare ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --targets ${SRC}/examples/decision/lv_thrombus_targets.yaml
           --strategy ecmo --strategy ecmo+impella_cp:P8 --no-threshold-check)
expect_match("${OUT}" "Impella contraindicated: LV thrombus")
# -q: no text on stdout, the asked-for JSON still written (compare, optimize, calibrate)
expect_run(0 ${HEMOSIM} compare -q --strategy ecmo ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --json ${WORK}/quiet_compare.json)
if(NOT OUT STREQUAL "" OR NOT EXISTS ${WORK}/quiet_compare.json)
  message(FATAL_ERROR "compare -q printed '${OUT}' or wrote no JSON")
endif()
expect_run(0 ${HEMOSIM} optimize -q --strategy iabp --fixed-flow
           ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml --json ${WORK}/quiet_optimize.json)
if(NOT OUT STREQUAL "" OR NOT EXISTS ${WORK}/quiet_optimize.json)
  message(FATAL_ERROR "optimize -q printed '${OUT}' or wrote no JSON")
endif()
expect_run(1 ${HEMOSIM} compare --strategy ecmo+warp_drive)
expect_match("${ERR}" "unknown part 'warp_drive'")
# a drug dose in a strategy text goes through the one unit parser: a bare number is refused
expect_run(1 ${HEMOSIM} compare --strategy ecmo+norepinephrine:0.1)
expect_match("${ERR}" "needs its unit \\(write e.g. \"0.1 ug/kg/min\"")
expect_run(1 ${HEMOSIM} compare --target pcwp_max=300)
expect_match("${ERR}" "out of range")
expect_run(1 ${HEMOSIM} compare --flows abc)
expect_run(0 ${HEMOSIM} compare ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml --flows 3
           --strategy ecmo --strategy ecmo+iabp:1:1 --report ${WORK}/report --no-threshold-check)
foreach(f index.html pv_loops.svg compare.json)
  if(NOT EXISTS ${WORK}/report/${f})
    message(FATAL_ERROR "compare --report: missing ${f}")
  endif()
endforeach()
file(READ ${WORK}/report/index.html html)
expect_match("${html}" "strategy comparison")
expect_match("${html}" "<svg")
message(STATUS "cli smoke: compare checks passed")

# wean: verdict and criteria
expect_run(0 ${HEMOSIM} wean ${SRC}/tests/data/decide_mild.yaml)
expect_match("${OUT}" "PASS")
expect_match("${OUT}" "aortic VTI")
expect_run(0 ${HEMOSIM} wean ${SRC}/tests/data/decide_mild.yaml --json -)
expect_match("${OUT}" "\"schema\": \"hemosim-wean/1\"")
expect_run(2 ${HEMOSIM} wean ${SRC}/examples/patients/acute_mi_shock.yaml)
expect_match("${ERR}" "no VA-ECMO")
message(STATUS "cli smoke: wean checks passed")

# optimize: table, plot, JSON
expect_run(0 ${HEMOSIM} optimize --help)
expect_match("${OUT}" "usage: hemosim optimize")
# the re-titrated sweep (21 s under the sanitizers) in Release; there the fixed-flow one,
# the plot and the JSON the same code writes
if(SANITIZED)
  set(OPT_FLOW --fixed-flow)
  set(OPT_FLOW_IS fixed)
else()
  set(OPT_FLOW "")
  set(OPT_FLOW_IS titrated)
endif()
expect_run(0 ${HEMOSIM} optimize ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml --strategy iabp
           ${OPT_FLOW} --plot ${WORK}/opt.svg --json ${WORK}/opt.json)
expect_match("${OUT}" "IABP assist ratio")
file(READ ${WORK}/opt.svg svg)
expect_match("${svg}" "</svg>")
file(READ ${WORK}/opt.json js)
expect_match("${js}" "\"schema\": \"hemosim-optimize/2\"")
# how it was made: version, patient file, --set, targets, options (ECMO flow re-titrated)
expect_match("${js}" "\"hemosim_version\": ")
expect_match("${js}" "\"patient_file\": \"[^\"]*acute_mi_shock_ecmo.yaml\"")
expect_match("${js}" "\"pcwp_max_mmhg\": 20")
expect_match("${js}" "\"ecmo_flow\": \"${OPT_FLOW_IS}\"")
if(NOT SANITIZED)
  expect_match("${OUT}" "ECMO flow re-titrated at each point")
endif()
expect_run(0 ${HEMOSIM} optimize ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml --strategy iabp
           --fixed-flow --set "heart.heart_rate=90 /min" --json -)
expect_match("${OUT}" "\"ecmo_flow\": \"fixed\"")
expect_match("${OUT}" "\"heart.heart_rate=90 /min\"")
expect_run(1 ${HEMOSIM} optimize)
expect_match("${ERR}" "--strategy is required")
expect_run(2 ${HEMOSIM} optimize --strategy warp-drive)
expect_match("${ERR}" "unknown strategy 'warp-drive'")
message(STATUS "cli smoke: optimize checks passed")

# stroke calculators and microcirculation analysis
expect_run(0 ${HEMOSIM} stroke mcis --regions 2,1,0)
expect_match("${OUT}" "no-reflow")
expect_run(2 ${HEMOSIM} stroke mcis --regions 2,3,1)
expect_match("${ERR}" "score 3 is out of range \\[0, 2\\]")
expect_run(0 ${HEMOSIM} stroke eligibility --onset "24 h" --etici 2c --ivt no --territory anterior --weight 70)
expect_match("${OUT}" "POST-TNK +ELIGIBLE")
expect_match("${OUT}" "0.1875 mg/kg tier\\) +not eligible")
expect_run(0 ${HEMOSIM} stroke eligibility --onset "86401 s" --etici 2c --ivt no --territory anterior)
expect_match("${OUT}" "beyond 24 h")
expect_run(2 ${HEMOSIM} stroke eligibility --onset 6 --etici 2c --ivt no --territory anterior)
expect_run(2 ${HEMOSIM} stroke eligibility --onset "6 h" --etici 2b --ivt no --territory anterior)
expect_match("${ERR}" "ambiguous")
expect_run(0 ${HEMOSIM} stroke etici --fraction 0.7)
expect_match("${OUT}" "eTICI 2b67")
expect_run(0 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --strategies sbp_below_120,sbp_140_180 --step "12 h")
expect_match("${OUT}" "sbp_140_180")
expect_match("${OUT}" "MODEL PROXIES, NOT OUTCOMES")
expect_run(0 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --strategies sbp_below_140 --duration "1 h" --step "1 h" --json)
expect_match("${OUT}" "\"calculator\": \"course\"")
expect_run(2 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml --strategies sbp_below_100)
expect_match("${ERR}" "unknown blood-pressure strategy")
expect_run(1 ${HEMOSIM} stroke course --step "1 h")
# the hypoperfusion threshold: relative by default (JSON says which), one of the two options
expect_run(0 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --strategies sbp_below_140 --duration "1 h" --step "1 h" --hypo-rel 0.3 --json)
expect_match("${OUT}" "\"hypoperfusion_below_ml100gmin\": null,\n *\"hypoperfusion_below_rel\": 0.3,")
expect_run(1 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --hypo-rel 0.3 --hypo-cbf 20)
expect_match("${ERR}" "give either --hypo-rel or --hypo-cbf, not both")
expect_run(2 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --hypo-rel 1.5)
expect_match("${ERR}" "relative hypoperfusion threshold 1.5 is out of range \\(0, 1\\)")
# --set changes the patient first (as for run) and is recorded in the JSON
expect_run(0 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --strategies sbp_below_140 --duration "1 h" --step "1 h" --json
           --set l_mca_bed.capillary_obstruction=0.4 --set "brain.collateral_grade=2")
expect_match("${OUT}" "\"capillary_obstruction_0\": 0.4,")
expect_match("${OUT}" "\"set\": \\[[^]]*\"l_mca_bed.capillary_obstruction=0.4\",[^]]*\"brain.collateral_grade=2\"")
expect_run(2 ${HEMOSIM} stroke course ${SRC}/examples/patients/stroke_post_thrombectomy.yaml
           --set no_such_block.x=1)
expect_match("${ERR}" "--set no_such_block.x=1")
expect_run(0 ${HEMOSIM} stroke course --help)
expect_match("${OUT}" "--set NAME=VALUE")
expect_run(0 ${HEMOSIM} stroke perfusion --help)
expect_match("${OUT}" "usage: hemosim stroke perfusion")
expect_run(0 ${HEMOSIM} stroke perfusion ${SRC}/examples/patients/basilar_occlusion.yaml
           --recanalised --json)
expect_match("${OUT}" "hemosim-perfusion/1")
expect_match("${OUT}" "\"horie_no_reflow\": true")
expect_run(2 ${HEMOSIM} stroke perfusion --cbf-cutoffs 1.2,1.5)
expect_match("${ERR}" "CBF cut-offs")
expect_run(2 ${HEMOSIM} stroke perfusion --beats 0)
expect_match("${ERR}" "--beats: 0 is not a whole number")
expect_run(1 ${HEMOSIM} stroke perfusion --bogus)
expect_run(0 ${HEMOSIM} micro analyze ${SRC}/examples/micro/va_ecmo_t1.yaml)
expect_match("${OUT}" "PSVD")
expect_run(0 ${HEMOSIM} micro analyze ${SRC}/examples/micro/va_ecmo_t1.yaml --json -)
expect_match("${OUT}" "hemosim-micro/1")
expect_run(0 ${HEMOSIM} micro titrate --help)
expect_match("${OUT}" "usage: hemosim micro titrate")
expect_run(0 ${HEMOSIM} micro fit --help)
expect_match("${OUT}" "usage: hemosim micro fit PATIENT_FILE MICRO_FILE")
expect_run(0 ${HEMOSIM} micro fit ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           ${SRC}/examples/micro/va_ecmo_t1.yaml --json -)
expect_match("${OUT}" "^{\n  \"schema\": \"hemosim-micro-fit/1\"")
expect_run(0 ${HEMOSIM} micro titrate ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --hours 4 --interval-h 2 --json ${WORK}/titrate.json --csv ${WORK}/titrate.csv
           --plot ${WORK}/titrate.svg --lactate-max "2 mmol/L")
expect_match("${OUT}" "micro vs control")
# the table names each column's unit under it; lactate is a column and a target
expect_match("${OUT}" "  +t +flow +MAP +CI +PCWP +PP +AV +SvO2 +DO2i +TVD +PVD +PPV +MFI +Lac +rule +next\n  +h +L/min +mmHg +L/min/m2 +mmHg +mmHg +frac +% +mL/min/m2 +mm/mm2 +mm/mm2 +% +0-3 +mmol/L +L/min\n")
file(READ ${WORK}/titrate.json tj)
expect_match("${tj}" "hemosim-titrate/2")
expect_match("${tj}" "${TARGETS_SHAPE}")
expect_match("${tj}" "\"lactate_max_mmol_l\": 2(\\.0)?[,\n]")
expect_match("${tj}" "\"lactate_steady_mmol_l\": [0-9]")
file(READ ${WORK}/titrate.csv tc)
expect_match("${tc}" "^policy,t_h,ecmo_flow_lpm[^\n]*,plasma_free_hb_mgdl,lactate_steady_mmol_l\n")
file(READ ${WORK}/titrate.svg ts)
expect_match("${ts}" "<svg")
expect_run(1 ${HEMOSIM} micro titrate ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --hours 2 --interval-h 3)
expect_match("${ERR}" "--interval-h \\(3\\) must not exceed --hours \\(2\\)")
expect_run(1 ${HEMOSIM} micro titrate x.yaml --policy best)
expect_match("${ERR}" "unknown --policy 'best'")
message(STATUS "cli smoke: calculators passed")

# calibrate: --report writes an HTML fit report and the JSON result, nothing else
expect_run(0 ${HEMOSIM} calibrate --help)
expect_match("${OUT}" "--report DIR")
expect_run(0 ${HEMOSIM} calibrate ${SRC}/examples/measurements/acute_mi_shock.yaml --max-evals 5
           --report ${WORK}/calreport)
expect_match("${OUT}" "report written to .*calreport/index.html")
file(GLOB calfiles RELATIVE ${WORK}/calreport ${WORK}/calreport/*)
list(SORT calfiles)
if(NOT "${calfiles}" STREQUAL "calibration.json;index.html")
  message(FATAL_ERROR "calibrate --report: expected calibration.json and index.html, got ${calfiles}")
endif()
file(READ ${WORK}/calreport/index.html html)
expect_match("${html}" "<title>Calibration of .* to .*acute_mi_shock.yaml</title>")
foreach(q hr sbp dbp map cvp spap dpap mpap pcwp co lvef lvedv)
  expect_match("${html}" "<tr><td>${q}</td>")
endforeach()
expect_match("${html}" "<th>identified</th>")
expect_match("${html}" "stressed_volume</td><td>mL</td>")
expect_match("${html}" "class=\"(m\">yes|x\">NO)</td>")
expect_match("${html}" "estimated parameters are determined by the data")
expect_match("${html}" "Weak and null directions")
expect_match("${html}" "<svg")
expect_match("${html}" "</html>")
file(READ ${WORK}/calreport/calibration.json js)
expect_match("${js}" "\"schema\": \"hemosim-calibrate/1\"")
expect_match("${js}" "\"calibrated_patient_file\": null")
expect_run(1 ${HEMOSIM} calibrate ${SRC}/examples/measurements/acute_mi_shock.yaml --report)
expect_match("${ERR}" "option --report needs a value")
file(WRITE ${WORK}/notadir "x")
expect_run(2 ${HEMOSIM} calibrate ${SRC}/examples/measurements/acute_mi_shock.yaml --max-evals 2
           --report ${WORK}/notadir)
expect_match("${ERR}" "not a directory")
message(STATUS "cli smoke: calibrate report checks passed")
