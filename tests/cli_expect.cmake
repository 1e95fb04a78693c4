# cli_expect.cmake - helpers of the command-line tests (cli_smoke.cmake, serve_cli.cmake):
# expect_run(CODE COMMAND...) runs a command, fails unless it exits CODE, and leaves its
# output in OUT and ERR; expect_match(TEXT REGEX) fails unless TEXT matches.
function(expect_run code)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "`${ARGN}` exited ${rc}, expected ${code}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(OUT "${out}" PARENT_SCOPE)
  set(ERR "${err}" PARENT_SCOPE)
endfunction()

function(expect_match text pattern)
  if(NOT "${text}" MATCHES "${pattern}")
    message(FATAL_ERROR "expected /${pattern}/ in:\n${text}")
  endif()
endfunction()
