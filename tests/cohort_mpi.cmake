# `hemosim cohort` through the command line: the same results.csv, byte for byte, with
# 1 and 2 threads and with 1, 2 and 3 MPI ranks (mpirun --oversubscribe -n 2; -n 3 with
# 2 threads per rank), and a resumed study equals an uninterrupted one; the SQLite
# database, figures and summary exist.
#   cmake -DHEMOSIM=<hemosim> -DSRC=<source dir> -DWORK=<scratch dir> [-DMPIEXEC=<mpirun>]
#         -P cohort_mpi.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(study "${SRC}/tests/data/cohort_small.yaml")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE errout)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${errout}")
  endif()
endfunction()

function(same a b)
  file(READ "${a}" ta)
  file(READ "${b}" tb)
  if(NOT ta STREQUAL tb)
    message(FATAL_ERROR "${a} and ${b} differ")
  endif()
endfunction()

run("${HEMOSIM}" cohort "${study}" -q --threads 1 --out "${WORK}/t1")
run("${HEMOSIM}" cohort "${study}" -q --threads 2 --sqlite --out "${WORK}/t2")
same("${WORK}/t1/results.csv" "${WORK}/t2/results.csv")
same("${WORK}/t1/summary.csv" "${WORK}/t2/summary.csv")
file(READ "${WORK}/t1/results.csv" csv)
if(NOT csv MATCHES "\nfast,|,fast,ok," OR NOT csv MATCHES ",error,")
  message(FATAL_ERROR "results.csv lacks ok or error rows:\n${csv}")
endif()
# the other outputs: SQLite database, figures
file(READ "${WORK}/t2/results.sqlite" head LIMIT 15 HEX)
if(NOT head STREQUAL "53514c69746520666f726d61742033") # "SQLite format 3"
  message(FATAL_ERROR "results.sqlite is not an SQLite database")
endif()
foreach(f distributions.svg success.svg)
  file(READ "${WORK}/t2/${f}" svg)
  if(NOT svg MATCHES "<svg" OR NOT svg MATCHES "fast")
    message(FATAL_ERROR "${f} is not a figure of both strategies")
  endif()
endforeach()
file(READ "${WORK}/t1/summary.csv" summary)
if(NOT summary MATCHES "\nfast,map_mmhg >= 70,,[0-9]+,,,,0?[.0-9]+,0?[.0-9]+,0?[.0-9]+\n")
  message(FATAL_ERROR "summary.csv lacks the target proportion:\n${summary}")
endif()
# stopped after 4 patients, then resumed
run("${HEMOSIM}" cohort "${study}" -q --limit 4 --out "${WORK}/r")
run("${HEMOSIM}" cohort "${study}" -q --resume --out "${WORK}/r")
same("${WORK}/t1/results.csv" "${WORK}/r/results.csv")
same("${WORK}/t1/summary.csv" "${WORK}/r/summary.csv")
# a second run without --resume refuses to overwrite the checkpoint
execute_process(COMMAND "${HEMOSIM}" cohort "${study}" -q --out "${WORK}/r" RESULT_VARIABLE rc
  ERROR_VARIABLE errout OUTPUT_QUIET)
if(rc EQUAL 0 OR NOT errout MATCHES "--resume")
  message(FATAL_ERROR "an existing checkpoint was not protected (${rc}): ${errout}")
endif()
if(MPIEXEC)
  set(root "")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(uid STREQUAL "0")
    set(root --allow-run-as-root)
  endif()
  run("${MPIEXEC}" ${root} --oversubscribe -n 1 "${HEMOSIM}" cohort "${study}" -q
      --out "${WORK}/mpi1")
  same("${WORK}/t1/results.csv" "${WORK}/mpi1/results.csv")
  run("${MPIEXEC}" ${root} --oversubscribe -n 2 "${HEMOSIM}" cohort "${study}" -q --chunk 1
      --out "${WORK}/mpi2")
  same("${WORK}/t1/results.csv" "${WORK}/mpi2/results.csv")
  same("${WORK}/t1/summary.csv" "${WORK}/mpi2/summary.csv")
  # two worker ranks of two threads each (their queues fetch ahead of their threads)
  run("${MPIEXEC}" ${root} --oversubscribe -n 3 "${HEMOSIM}" cohort "${study}" -q --threads 2
      --out "${WORK}/mpi3")
  same("${WORK}/t1/results.csv" "${WORK}/mpi3/results.csv")
endif()
