# fuzz.cmake - the ctest `fuzz`: build the libFuzzer targets of fuzz/ with clang in a
# separate build directory and run each for SECONDS on its seed corpus (fuzz/seeds.txt).
# Prints "fuzz: SKIPPED" (ctest reports the test as skipped: SKIP_REGULAR_EXPRESSION) when
# clang or its libFuzzer runtime (Debian: libclang-rt-14-dev) is missing.
# Run with -DSRC=... -DWORK=... [-DSECONDS=8].
if(NOT SECONDS)
  set(SECONDS 8)
endif()
find_program(CLANG NAMES clang clang-19 clang-16 clang-15 clang-14)
if(NOT CLANG)
  message(STATUS "fuzz: SKIPPED: no clang found (Debian: apt-get install clang)")
  return()
endif()
file(WRITE ${WORK}/probe.c "#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
execute_process(COMMAND ${CLANG} -fsanitize=fuzzer ${WORK}/probe.c -o ${WORK}/probe
  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(STATUS "fuzz: SKIPPED: ${CLANG} cannot link -fsanitize=fuzzer (libclang-rt-dev missing)")
  return()
endif()
set(B ${WORK}/build)
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${B} -DCMAKE_C_COMPILER=${CLANG}
  -DCMAKE_BUILD_TYPE=Debug -DHS_FUZZ=ON -DHS_WERROR=ON -DBUILD_TESTING=OFF RESULT_VARIABLE rc
  OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz: configuring the fuzz build failed")
endif()
# warnings are errors: this is the suite's clang build of the library (clang warns where
# gcc does not, e.g. -Wformat-nonliteral, -Wmissing-field-initializers on designated
# initializers)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${B} --target fuzz_all -j 2
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz: building the fuzz targets with clang (-Werror) failed:\n${out}")
endif()
# seeds.txt: "<target> <dir or file relative to the source tree> ..." per line
file(STRINGS ${SRC}/fuzz/seeds.txt lines REGEX "^fuzz_")
set(failed "")
foreach(line ${lines})
  string(REPLACE " " ";" items "${line}")
  list(POP_FRONT items target)
  set(corpus ${WORK}/corpus/${target})
  file(MAKE_DIRECTORY ${corpus})
  set(seeds "")
  foreach(s ${items}) # libFuzzer reads directories: single seed files join the corpus
    if(IS_DIRECTORY ${SRC}/${s})
      list(APPEND seeds ${SRC}/${s})
    else()
      file(COPY ${SRC}/${s} DESTINATION ${corpus})
    endif()
  endforeach()
  execute_process(COMMAND ${B}/fuzz/${target} -max_total_time=${SECONDS} -timeout=10
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 ${corpus} ${seeds}
    WORKING_DIRECTORY ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${err}")
  if(rc EQUAL 0)
    message(STATUS "fuzz: ${target}: ok (${runs})")
  else()
    string(LENGTH "${err}" n)
    if(n GREATER 6000)
      math(EXPR from "${n} - 6000")
      string(SUBSTRING "${err}" ${from} 6000 err)
    endif()
    message("fuzz: ${target}: FAILED (exit ${rc})\n${err}")
    list(APPEND failed ${target})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "fuzz: crashes in ${failed} (reproducers: ${WORK}/crash-*)")
endif()
