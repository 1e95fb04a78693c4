# doc_figures.cmake - the figures README.md and docs/ show, generated from the current build.
#
# One list, used both ways so the commands cannot drift from the images:
#   cmake -DHEMOSIM=build/hemosim -DSRC=. -DMODE=write -P scripts/doc_figures.cmake
#       regenerates docs/img/*.svg (scripts/regen_docs.sh does this);
#   cmake -DHEMOSIM=... -DSRC=... -DWORK=DIR -DMODE=check -P scripts/doc_figures.cmake
#       regenerates into DIR and fails, naming each figure, if docs/img differs (ctest
#       doc_figures).  -DSLOW=ON also includes the figures that take long to compute.
#
# Each entry: <docs/img file>|<file written by the command in its output dir>|<slow 0/1>|<args>
# (arguments separated by '^', "@OUT@" = the output directory).
set(FIGURES
  "healthy_pv_loops.svg|pv_loops.svg|0|run^-q^--out^@OUT@"
  "healthy_waveforms.svg|waveforms.svg|0|run^-q^--out^@OUT@"
  "mi_ecmo_1lpm_pv_loops.svg|pv_loops.svg|0|run^examples/patients/acute_mi_shock_ecmo.yaml^--set^ecmo.target_flow=1 L/min^--duration^120^-q^--out^@OUT@"
  "mi_ecmo_45lpm_pv_loops.svg|pv_loops.svg|0|run^examples/patients/acute_mi_shock_ecmo.yaml^--set^ecmo.target_flow=4.5 L/min^--duration^120^-q^--out^@OUT@"
  "mi_ecmo_45lpm_waveforms.svg|waveforms.svg|0|run^examples/patients/acute_mi_shock_ecmo.yaml^--set^ecmo.target_flow=4.5 L/min^--duration^120^-q^--out^@OUT@"
  "titrate_poor_micro.svg|titrate.svg|1|micro^titrate^examples/patients/acute_mi_shock_ecmo.yaml^--obstructed^0.15^--oedema^0.15^--vasoconstriction^0.15^--plot^@OUT@/titrate.svg"
)

if(NOT MODE STREQUAL "write" AND NOT MODE STREQUAL "check")
  message(FATAL_ERROR "doc_figures.cmake: -DMODE=write or -DMODE=check")
endif()
if(MODE STREQUAL "write")
  set(WORK ${SRC}/docs/img/.regen.tmp) # same file system as docs/img: the renames are atomic
  set(SLOW ON)
endif()
set(stale "")
foreach(entry ${FIGURES})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 target)
  list(GET parts 1 produced)
  list(GET parts 2 slow)
  string(REPLACE "|" "\n" rest "${entry}")
  string(REGEX REPLACE "^[^\n]*\n[^\n]*\n[^\n]*\n" "" argstr "${rest}")
  if(slow AND NOT SLOW)
    continue()
  endif()
  set(out ${WORK}/${target}.d)
  file(REMOVE_RECURSE ${out})
  file(MAKE_DIRECTORY ${out})
  string(REPLACE "@OUT@" "${out}" argstr "${argstr}")
  string(REPLACE "^" ";" argstr "${argstr}")
  execute_process(COMMAND ${HEMOSIM} ${argstr} WORKING_DIRECTORY ${SRC}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "doc_figures: `hemosim ${argstr}` exited ${rc}: ${err}")
  endif()
  if(MODE STREQUAL "write")
    file(RENAME ${out}/${produced} ${SRC}/docs/img/${target})
    message(STATUS "wrote docs/img/${target}")
  else()
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${out}/${produced}
      ${SRC}/docs/img/${target} RESULT_VARIABLE diff)
    if(NOT diff EQUAL 0)
      list(APPEND stale ${target})
    endif()
  endif()
endforeach()
if(MODE STREQUAL "write")
  file(REMOVE_RECURSE ${WORK})
elseif(stale)
  message(FATAL_ERROR "docs/img is out of date with the code: ${stale} differ from a fresh "
    "run.  Regenerate on purpose with scripts/regen_docs.sh and commit the figures.")
endif()
