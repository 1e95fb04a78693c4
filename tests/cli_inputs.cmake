# cli_inputs.cmake - inputs a user can get wrong (issue 12 "hard to misuse"): every
# input file read one way (regular file, size cap, no NUL byte, file:line), percentages
# by one rule, clinical units through the one parser.  Commands that used to hang run
# under a TIMEOUT so that a regression fails instead of stalling CI.
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
file(MAKE_DIRECTORY ${WORK})
set(P ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml)

# Like expect_run, with a 20 s limit (a hang is a failure).
function(expect_run_t code)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 20)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "`${ARGN}` exited '${rc}', expected ${code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

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
             --target "svo2_min=62.5 %")
expect_match("${OUT}" "Targets: [^\n]*SvO2 >= 62.5 %, lactate <= 2 mmol/L;")
message(STATUS "cli inputs: checks passed")
