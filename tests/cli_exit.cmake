# cli_exit.cmake - the exit status of every command for every class of outcome, as
# documented in docs/cli.md (and each command's page and --help): 0 success, 1 usage
# error (unknown option, missing value, malformed option value), 2 input error (a
# file that does not parse, a value a file or --set gives out of range) or simulation
# error.  One row per (command, class); a row is "CODE|CLASS|ARG|ARG...".
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(P ${SRC}/examples/patients/acute_mi_shock_ecmo.yaml)
set(STROKE ${SRC}/examples/patients/stroke_post_thrombectomy.yaml)
set(BAD ${WORK}/bad.yaml)
file(WRITE ${BAD} "x: [\n")
# the stiffness watch at 1 step per simulated second stops any run of 20,000 steps
set(STIFF "--set|solver.stiff_steps_per_s=1")

set(ROWS
  # run
  "0|help|run|--help"
  "1|unknown option|run|--no-such-option"
  "1|missing value|run|--duration"
  "1|malformed value|run|--rate|50 %"
  "2|input|run|${BAD}"
  "2|input (--set range)|run|--set|ecmo.target_flow=9 L/min|--duration|1|-q"
  "2|simulation|run|${P}|${STIFF}|--duration|100|-q"
  # params
  "0|help|params|--help"
  "1|unknown option|params|--no-such-option"
  "1|unknown type|params|nosuchtype"
  # describe
  "0|help|describe|--help"
  "1|unknown option|describe|--no-such-option"
  "1|missing value|describe|--out"
  "2|input|describe|${BAD}"
  "2|input (--set range)|describe|--set|lv.ees=100"
  "1|malformed --set|describe|--set|lv.ees"
  # micro
  "0|help|micro|--help"
  "1|unknown subcommand|micro|nosuch"
  "1|unknown option|micro|analyze|--no-such-option"
  "1|missing operand|micro|analyze"
  "2|input|micro|analyze|${BAD}"
  "2|input|micro|schedule|${BAD}"
  "1|missing value|micro|titrate|--hours"
  "1|malformed value|micro|titrate|${P}|--flow|3.5"
  "2|input|micro|titrate|${BAD}"
  # compare
  "0|help|compare|--help"
  "1|unknown option|compare|--no-such-option"
  "1|missing value|compare|--flows"
  "1|malformed value|compare|${P}|--target|svo2_min=0.6"
  "2|input|compare|${BAD}"
  # wean
  "0|help|wean|--help"
  "1|unknown option|wean|--no-such-option"
  "1|missing value|wean|--flow"
  "1|out of range|wean|--flow|5"
  "2|input|wean|${BAD}"
  "2|simulation|wean|${P}|${STIFF}|-q"
  # optimize
  "0|help|optimize|--help"
  "1|unknown option|optimize|--no-such-option"
  "1|missing value|optimize|--strategy"
  "1|missing option|optimize|${P}"
  "2|input|optimize|${BAD}|--strategy|iabp"
  # calibrate
  "0|help|calibrate|--help"
  "1|unknown option|calibrate|--no-such-option"
  "1|missing value|calibrate|${BAD}|--max-evals"
  "1|missing operand|calibrate"
  "2|input|calibrate|${BAD}"
  # stroke: a value given but malformed or out of range is an input error (2)
  "0|help|stroke|--help"
  "1|unknown calculator|stroke|nosuch"
  "1|unknown option|stroke|mcis|--no-such-option"
  "1|missing option|stroke|mcis"
  "2|input (value)|stroke|mcis|--regions|2,3,1"
  "2|input (value)|stroke|dose|--regimen|ia-alteplase|--weight|300"
  "2|input|stroke|course|${BAD}"
  "2|simulation|stroke|course|${STROKE}|${STIFF}|-q"
  "2|input|stroke|perfusion|${BAD}"
  "2|input (--set)|stroke|perfusion|--set|nosuch=1"
  # cohort
  "0|help|cohort|--help"
  "1|unknown option|cohort|--no-such-option"
  "1|missing value|cohort|${BAD}|--threads"
  "1|missing operand|cohort"
  "2|input|cohort|${BAD}|--out|${WORK}/cohort"
  # trial
  "0|help|trial|--help"
  "1|unknown subcommand|trial|nosuch"
  "2|input|trial|status|${WORK}/no_such.db"
  # validate
  "0|help|validate|--help"
  "1|unknown option|validate|--no-such-option"
  "1|missing value|validate|--threads"
  "2|input|validate|${BAD}"
  # serve (cannot start: 2)
  "0|help|serve|--help"
  "1|unknown option|serve|--no-such-option"
  "1|missing value|serve|--port"
  "1|malformed value|serve|--port|99999"
  "2|input|serve|--port|0|--root|${WORK}/no_such_dir"
  # no command, unknown command
  "1|no command"
  "1|unknown command|nosuchcommand"
)

set(failed "")
foreach(row IN LISTS ROWS)
  string(REPLACE "|" ";" args "${row}")
  list(POP_FRONT args code class)
  execute_process(COMMAND ${HEMOSIM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc STREQUAL code)
    string(SUBSTRING "${err}" 0 300 err)
    string(APPEND failed "\n  hemosim ${args} (${class}): exit '${rc}', documented ${code}: ${err}")
  endif()
  # a usage error says how to get help; an input or simulation error starts "hemosim: error:"
  if(code EQUAL 2 AND rc EQUAL 2 AND NOT err MATCHES "hemosim: error: ")
    string(APPEND failed "\n  hemosim ${args} (${class}): no 'hemosim: error:' message")
  endif()
endforeach()

# every command's --help states its exit status
foreach(cmd run params describe compare wean optimize calibrate stroke cohort trial validate
        serve "micro;analyze" "micro;schedule" "micro;titrate" "stroke;perfusion")
  execute_process(COMMAND ${HEMOSIM} ${cmd} --help RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  string(TOLOWER "${out}" out)
  if(NOT out MATCHES "exit status")
    string(APPEND failed "\n  hemosim ${cmd} --help does not state the exit status")
  endif()
endforeach()

if(failed)
  message(FATAL_ERROR "exit status differs from the documentation:${failed}")
endif()
message(STATUS "cli exit: every command's exit status as documented")
