# doc_tables.cmake - number tables in README.md and docs/ generated from the current build.
#
# A generated table sits between two marker lines in its document:
#   <!-- generated: NAME (scripts/regen_docs.sh) -->
#   | ... table ... |
#   <!-- end generated: NAME -->
# Used both ways, like doc_figures.cmake:
#   cmake -DHEMOSIM=build/hemosim -DSRC=. -DMODE=write -P scripts/doc_tables.cmake
#       rewrites the tables (scripts/regen_docs.sh does this; the file is replaced atomically);
#   cmake -DHEMOSIM=... -DSRC=... -DWORK=DIR -DMODE=check -P scripts/doc_tables.cmake
#       fails, naming the table, when a document differs from a fresh run (ctest doc_tables).
#
# Each table: a document, a header, one `hemosim run` per row ('^' separates arguments;
# every run writes its summary JSON) and the columns: "<metric>:<decimals>", or "@label"
# for the row label.
cmake_policy(VERSION 3.13) # IN_LIST, empty list elements kept
if(NOT MODE STREQUAL "write" AND NOT MODE STREQUAL "check")
  message(FATAL_ERROR "doc_tables.cmake: -DMODE=write or -DMODE=check")
endif()
if(MODE STREQUAL "write")
  set(WORK ${SRC}/.doc_tables.tmp)
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# ---- the tables ------------------------------------------------------------------------
# table(NAME DOC HEADER1 HEADER2 COLUMNS RUN VALUES...): one `hemosim run` per value, RUN
# its arguments ('^'-separated) with @V replaced by the value, which labels the row.
function(table name doc h1 h2 columns run)
  set(${name}_DOC ${doc} PARENT_SCOPE)
  set(${name}_HEADER "${h1}" "${h2}" PARENT_SCOPE)
  string(REPLACE " " ";" cols "${columns}")
  set(${name}_COLUMNS ${cols} PARENT_SCOPE)
  set(rows "")
  foreach(v ${ARGN})
    string(REPLACE "@V" "${v}" args "${run}")
    list(APPEND rows "${v}|run^${args}")
  endforeach()
  set(${name}_ROWS "${rows}" PARENT_SCOPE)
endfunction()

table(ecmo_flow_table README.md
  "| ECMO L/min | MAP | total flow L/min | LV output L/min | PCWP | LVEDV mL | pulse pressure | aortic valve opening | pump rpm |"
  "|---|---|---|---|---|---|---|---|---|"
  "@label map_mmhg:0 co_lpm:1 lv_output_lpm:1 pcwp_mmhg:0 lvedv_ml:0 pulse_pressure_mmhg:1 av_open_fraction:2 ecmo_rpm:0"
  "examples/patients/acute_mi_shock_ecmo.yaml^--set^ecmo.target_flow=@V L/min" 1 2 3 4 5)
# docs/model.md section 6: the uncompensated MAP rise with ECMO flow (reflex off)
table(ecmo_open_loop_table docs/model.md
  "| ECMO L/min (reflex off) | MAP mmHg | total flow L/min | LV output L/min | PCWP mmHg |"
  "|---|---|---|---|---|"
  "@label map_mmhg:0 co_lpm:1 lv_output_lpm:1 pcwp_mmhg:0"
  "examples/patients/acute_mi_shock_ecmo.yaml^--set^baroreflex.enabled=false^--set^ecmo.target_flow=@V L/min"
  1 3 5)
# docs/model.md section 6: a non-ejecting LV on ECMO, PCWP set by the RV
table(rv_pcwp_table docs/model.md
  "| RV ees mmHg/mL (severe shock, ECMO 5 L/min) | PCWP mmHg | LV output L/min | aortic valve opening | MAP mmHg |"
  "|---|---|---|---|---|"
  "@label pcwp_mmhg:0 lv_output_lpm:1 av_open_fraction:2 map_mmhg:0"
  "examples/patients/severe_shock_ecmo.yaml^--set^ecmo.target_flow=5 L/min^--set^rv.ees=@V"
  0.3 0.45 0.6)
# the drug effect table of docs/drugs.md: each infusion in the acute-MI shock patient at
# steady state (baroreflex on)
set(drug_effect_table_DOC docs/drugs.md)
set(drug_effect_table_HEADER
  "| infusion | HR /min | MAP mmHg | CO L/min | PCWP mmHg | CVP mmHg | SVR dyn s/cm5 | LVEDV mL | lactate plateau mmol/L |"
  "|---|---|---|---|---|---|---|---|---|")
set(drug_effect_table_COLUMNS "@label" hr_bpm:0 map_mmhg:0 co_lpm:2 pcwp_mmhg:1 cvp_mmhg:1
  svr_dyn_s_cm5:0 lvedv_ml:0 lactate_steady_mmol_l:2)
set(drug_effect_table_ROWS "none|run^examples/patients/acute_mi_shock.yaml")
foreach(drug "dobutamine=5 ug/kg/min" "dobutamine=10 ug/kg/min" "milrinone=0.5 ug/kg/min"
    "nitroprusside=1 ug/kg/min" "nitroprusside=2 ug/kg/min" "norepinephrine=0.2 ug/kg/min"
    "epinephrine=0.1 ug/kg/min" "dopamine=5 ug/kg/min" "vasopressin=0.0005 U/kg/min"
    "esmolol=100 ug/kg/min")
  string(REPLACE "=" " " label "${drug}")
  list(APPEND drug_effect_table_ROWS
    "${label}|run^examples/patients/acute_mi_shock.yaml^--set^drugs.${drug}")
endforeach()
set(patient_files healthy_adult.yaml acute_mi_shock.yaml acute_mi_shock_ecmo.yaml
  severe_shock_ecmo.yaml rv_shock.yaml scai_c_shock.yaml scai_d_shock.yaml scai_e_shock.yaml
  scai_e_shock_ecmo.yaml
  biventricular_failure.yaml fulminant_myocarditis.yaml post_cardiotomy_shock.yaml
  pig_acute_heart_failure.yaml cardiac_arrest_vf.yaml cardiac_arrest_ecpr.yaml
  stroke_post_thrombectomy.yaml basilar_occlusion.yaml)
# docs/patients.md: every shipped patient at its periodic steady state (the same runs as
# the golden metrics of tests/golden/)
table(patient_table docs/patients.md
  "| file | HR /min | SBP | DBP | MAP | CI L/min/m² | PCWP | CVP | PAPi | LVEDV mL | LVEF % | DO2I mL/min/m² | SvO2 % | lactate plateau mmol/L |"
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  "@label hr_bpm:0 sbp_mmhg:1 dbp_mmhg:1 map_mmhg:1 ci_lpm_m2:2 pcwp_mmhg:1 cvp_mmhg:1 papi:2 lvedv_ml:0 lvef_pct:1 do2i_mlmin_m2:0 svo2_pct:0 lactate_steady_mmol_l:1"
  "examples/patients/@V" ${patient_files})
# README.md quick start: what `./build.sh run` (`hemosim run`, the default patient) prints;
# a listing, not a table: the lines of the named metrics, in the order printed
set(quick_start_listing_DOC README.md)
set(quick_start_listing_LISTING hr_bpm sbp_mmhg dbp_mmhg map_mmhg pulse_pressure_mmhg co_lpm
  lvedv_ml lvef_pct pcwp_mmhg cvp_mmhg sao2_upper_pct svo2_pct icp_mmhg)
set(quick_start_listing_ROWS "|run")
# docs/patients.md: more of the same runs (pressures at the aortic root and the PA, the
# left ventricle's end-systole and filling pressure, oxygen transport, the brain)
table(patient_table_2 docs/patients.md
  "| file | CO L/min | LV output L/min | LVESV mL | LVEDP | PA systolic | PA diastolic | coronary perfusion pressure | SaO2 radial % | DO2 mL/min | VO2 mL/min | ICP |"
  "|---|---|---|---|---|---|---|---|---|---|---|---|"
  "@label co_lpm:2 lv_output_lpm:2 lvesv_ml:0 lvedp_mmhg:1 spap_mmhg:1 dpap_mmhg:1 coronary_perfusion_pressure_mmhg:1 sao2_upper_pct:1 do2_body_mlmin:0 vo2_mlmin:0 icp_mmhg:1"
  "examples/patients/@V" ${patient_files})
# README.md: the answer of `hemosim compare` for the patient of the unloading question, up
# to its table of strategies (a listing of every line before the line matching _UNTIL; the
# run time on the title line is dropped)
set(compare_listing_DOC README.md)
set(compare_listing_UNTIL "^   strategy ")
set(compare_listing_ROWS "|compare^examples/patients/scai_e_shock_ecmo.yaml")
# README.md "Brain after thrombectomy": the stroke patient under each blood-pressure target
# (brain.bp_target, held by the vasoactive controller)
set(brain_bp_table_DOC README.md)
set(brain_bp_table_HEADER
  "| target | nitroprusside-equivalent ug/kg/min | SBP | MAP | left MCA CBF mL/100 g/min | right MCA CBF | left MCA PI | right MCA PI |"
  "|---|---|---|---|---|---|---|---|")
set(brain_bp_table_COLUMNS "@label" nitroprusside_equiv_ugkgmin:2 sbp_mmhg:0 map_mmhg:0
  cbf_left_mca_ml100gmin:1 cbf_right_mca_ml100gmin:1 tcd_left_pi:2 tcd_right_pi:2)
set(brain_bp_table_ROWS "")
foreach(row "SBP 140-180=sbp_140_180" "SBP < 140=sbp_below_140"
    "SBP < 120=sbp_below_120")
  string(REPLACE "=" ";" parts "${row}")
  list(GET parts 0 label)
  list(GET parts 1 target)
  list(APPEND brain_bp_table_ROWS
    "${label}|run^examples/patients/stroke_post_thrombectomy.yaml^--set^brain.bp_target=${target}")
endforeach()
# docs/brain.md "O2 reactivity": differential hypoxaemia on femoral VA-ECMO (acute-MI shock,
# lung shunt 0.5) with the brain's O2 reactivity off and on
set(brain_o2_table_DOC docs/brain.md)
set(brain_o2_table_HEADER
  "| ECMO, O2 reactivity | right-arm SaO2 % | O2 content into the brain mL/dL | O2 factor | CBF mL/100 g/min | brain DO2 mL/min |"
  "|---|---|---|---|---|---|")
set(brain_o2_table_COLUMNS "@label" sao2_upper_pct:1 cao2_brain_mldl:1 cbf_o2_factor:2
  cbf_left_ml100gmin:1 do2_brain_mlmin:1)
set(brain_o2_table_ROWS "")
foreach(flow 2 3 4)
  foreach(n 0 1.3)
    if(n STREQUAL "0")
      set(what "off")
    else()
      set(what "${n}")
    endif()
    list(APPEND brain_o2_table_ROWS
      "${flow} L/min, ${what}|run^examples/patients/acute_mi_shock_ecmo.yaml^--set^oxygen.shunt_fraction=0.5^--set^ecmo.target_flow=${flow} L/min^--set^brain.o2_reactivity=${n}")
  endforeach()
endforeach()
set(TABLES ecmo_flow_table drug_effect_table ecmo_open_loop_table rv_pcwp_table patient_table
  patient_table_2 quick_start_listing compare_listing brain_bp_table brain_o2_table)

# ---- generation ------------------------------------------------------------------------
# a listing: the text output of one command, reduced to its title line and the lines of
# the metrics named in NAME_LISTING, or to its lines before the first one matching
# NAME_UNTIL; then "  ..." (a fenced block in the document)
function(render_listing name out_var)
  list(GET ${name}_ROWS 0 row)
  string(FIND "${row}" "|" bar)
  math(EXPR start "${bar} + 1")
  string(SUBSTRING "${row}" ${start} -1 args)
  string(REPLACE "^" ";" args "${args}")
  execute_process(COMMAND ${HEMOSIM} ${args} WORKING_DIRECTORY ${SRC}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "doc_tables: `hemosim ${args}` exited ${rc}: ${err}")
  endif()
  string(REPLACE ";" "\\;" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  if(DEFINED ${name}_UNTIL)
    set(body "")
    foreach(line IN LISTS lines) # blank lines kept
      if(line MATCHES "${${name}_UNTIL}")
        break()
      endif()
      string(APPEND body "${line}\n")
    endforeach()
    string(REGEX REPLACE ", in [0-9.]+ s\n" "\n" body "${body}")
    string(REGEX REPLACE "\n+$" "\n" body "${body}")
    set(${out_var} "```\n${body}  ...\n```\n" PARENT_SCOPE)
    return()
  endif()
  list(GET lines 0 body)
  string(APPEND body "\n")
  foreach(line ${lines})
    string(REGEX MATCH "^  ([a-z0-9_]+) " m "${line}")
    if(m AND CMAKE_MATCH_1 IN_LIST ${name}_LISTING)
      string(APPEND body "${line}\n")
    endif()
  endforeach()
  set(${out_var} "```\n${body}  ...\n```\n" PARENT_SCOPE)
endfunction()

function(render name out_var)
  if(DEFINED ${name}_LISTING OR DEFINED ${name}_UNTIL)
    render_listing(${name} listing)
    set(${out_var} "${listing}" PARENT_SCOPE)
    return()
  endif()
  # one printf for the whole table: the format has a %.Nf per number (C locale)
  set(format "")
  set(values "")
  foreach(row ${${name}_ROWS})
    string(FIND "${row}" "|" bar)
    string(SUBSTRING "${row}" 0 ${bar} label)
    math(EXPR start "${bar} + 1")
    string(SUBSTRING "${row}" ${start} -1 args)
    string(REPLACE "^" ";" args "${args}")
    # one run per distinct command: tables over the same runs (the two patient tables)
    # read the same summary
    string(MD5 key "${args}")
    set(json ${WORK}/run_${key}.json)
    if(NOT EXISTS ${json})
      execute_process(COMMAND ${HEMOSIM} ${args} -q --summary-json ${json}
        WORKING_DIRECTORY ${SRC} RESULT_VARIABLE rc ERROR_VARIABLE err)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "doc_tables: `hemosim ${args}` exited ${rc}: ${err}")
      endif()
    endif()
    file(READ ${json} text)
    set(cells "")
    foreach(col ${${name}_COLUMNS})
      if(col STREQUAL "@label")
        string(REPLACE "%" "%%" label "${label}")
        list(APPEND cells "${label}")
        continue()
      endif()
      string(REPLACE ":" ";" parts "${col}")
      list(GET parts 0 metric)
      list(GET parts 1 decimals)
      string(JSON v ERROR_VARIABLE jerr GET "${text}" metrics ${metric})
      if(jerr)
        message(FATAL_ERROR "doc_tables: ${name}: metric ${metric}: ${jerr}")
      endif()
      if(v STREQUAL "null" OR v STREQUAL "")
        list(APPEND cells "n/a") # undefined in this state (e.g. heart rate in VF): JSON null
        continue()
      endif()
      list(APPEND cells "%.${decimals}f")
      list(APPEND values "${v}")
    endforeach()
    list(JOIN cells " | " joined)
    string(APPEND format "| ${joined} |\\n")
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C printf "${format}" ${values}
    OUTPUT_VARIABLE body RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "doc_tables: printf failed for ${name}")
  endif()
  string(REGEX REPLACE "([| ])-(0(\\.0*)?) " "\\1\\2 " body "${body}") # no "-0.0"
  list(JOIN ${name}_HEADER "\n" header)
  set(${out_var} "${header}\n${body}" PARENT_SCOPE)
endfunction()

set(stale "")
foreach(name ${TABLES})
  set(doc ${SRC}/${${name}_DOC})
  file(READ ${doc} text)
  set(begin "<!-- generated: ${name} (scripts/regen_docs.sh) -->\n")
  set(end "<!-- end generated: ${name} -->")
  string(FIND "${text}" "${begin}" b)
  string(FIND "${text}" "${end}" e)
  if(b LESS 0 OR e LESS b)
    message(FATAL_ERROR "doc_tables: ${${name}_DOC} has no markers for ${name}:\n${begin}...\n${end}")
  endif()
  string(LENGTH "${begin}" bl)
  math(EXPR body_start "${b} + ${bl}")
  math(EXPR body_len "${e} - ${body_start}")
  string(SUBSTRING "${text}" ${body_start} ${body_len} old)
  render(${name} table)
  if(NOT old STREQUAL "${table}")
    if(MODE STREQUAL "write")
      string(SUBSTRING "${text}" 0 ${body_start} head)
      string(SUBSTRING "${text}" ${e} -1 tail)
      # same directory as the document, then rename: the document is replaced atomically
      file(WRITE ${doc}.regen.tmp "${head}${table}${tail}")
      file(RENAME ${doc}.regen.tmp ${doc})
      message(STATUS "updated ${name} in ${${name}_DOC}")
    else()
      list(APPEND stale "${name} in ${${name}_DOC}")
      message("${name}: committed\n${old}fresh run\n${table}")
    endif()
  endif()
endforeach()
if(MODE STREQUAL "write")
  file(REMOVE_RECURSE ${WORK})
elseif(stale)
  message(FATAL_ERROR "generated tables out of date with the code: ${stale}.  Regenerate on "
    "purpose with scripts/regen_docs.sh and commit.")
endif()
