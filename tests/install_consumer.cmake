# Install the build into a scratch prefix and build a program against it twice, as a
# user would: with pkg-config and with find_package(hemosim).  Also checks that the
# shared library exports the public API and nothing internal, and that hemosim.h
# includes every public header, each of which compiles on its own.
#   cmake -DBUILD=<build dir> -DSRC=<source dir> -DWORK=<scratch dir> -DCC=<compiler>
#         -P install_consumer.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(prefix "${WORK}/prefix")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE errout)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${errout}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD}" --prefix "${prefix}")
foreach(f include/hemosim/hemosim.h lib/libhemosim.a lib/libhemosim.so lib/pkgconfig/hemosim.pc
        lib/cmake/hemosim/hemosimConfig.cmake bin/hemosim)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()

# 1. pkg-config
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
run(pkg-config --cflags --libs hemosim)
string(STRIP "${last_out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CC} "${SRC}/examples/embed/embed.c" ${flags} -o "${WORK}/embed_pc")
set(ENV{LD_LIBRARY_PATH} "${prefix}/lib")
run("${WORK}/embed_pc")
if(NOT last_out MATCHES "Healthy adult .*steady after [0-9]+ beats.*map_mmhg")
  message(FATAL_ERROR "embed (pkg-config) printed:\n${last_out}")
endif()

# 2. CMake package
run(${CMAKE_COMMAND} -S "${SRC}/examples/embed" -B "${WORK}/embed_cmake"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${CC}")
run(${CMAKE_COMMAND} --build "${WORK}/embed_cmake")
run("${WORK}/embed_cmake/embed" "${SRC}/examples/patients/acute_mi_shock.yaml")
if(NOT last_out MATCHES "Acute MI cardiogenic shock")
  message(FATAL_ERROR "embed (CMake) printed:\n${last_out}")
endif()

# 3. exports: the public API and nothing internal
run(nm -D --defined-only "${prefix}/lib/libhemosim.so")
foreach(sym hs_sim_new hs_patient_load_file hs_plot_render_svg hs_calibrate)
  if(NOT last_out MATCHES " ${sym}@")
    message(FATAL_ERROR "public function ${sym} is not exported")
  endif()
endforeach()
foreach(sym hs_ident_analyse hs_chamber_pressure hs_activation hs_doc_load_file)
  if(last_out MATCHES " ${sym}@")
    message(FATAL_ERROR "internal function ${sym} is exported")
  endif()
endforeach()

# 4. hemosim.h includes every public header; each header compiles on its own
file(READ "${SRC}/include/hemosim/hemosim.h" umbrella)
file(GLOB headers "${SRC}/include/hemosim/*.h")
foreach(h ${headers})
  get_filename_component(name "${h}" NAME)
  if(NOT name STREQUAL "hemosim.h" AND NOT umbrella MATCHES "#include \"hemosim/${name}\"")
    message(FATAL_ERROR "hemosim.h does not include hemosim/${name}")
  endif()
  file(WRITE "${WORK}/one.c" "#include \"hemosim/${name}\"\n")
  run(${CC} -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only "-I${prefix}/include"
      "${WORK}/one.c")
endforeach()

# 5. `hemosim serve` of the installed binary finds the installed front end and patients
#    (<prefix>/share/hemosim), the build tree's binary the source tree's (issue 12)
foreach(f share/hemosim/web/index.html share/hemosim/web/app.js
        share/hemosim/patients/healthy_adult.yaml share/hemosim/patients/acute_mi_shock_ecmo.yaml)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
get_filename_component(rprefix "${prefix}" REALPATH)
run("${prefix}/bin/hemosim" serve --help)
if(NOT last_out MATCHES "default here: ${rprefix}/share/hemosim/web\\)"
   OR NOT last_out MATCHES "${rprefix}/share/hemosim/patients\\)")
  message(FATAL_ERROR "installed hemosim serve does not default to ${rprefix}/share/hemosim:\n${last_out}")
endif()
# the defaults are usable: the server gets past the web and patients directories and
# stops at the bad --root (exit 2), without --web / --patients
execute_process(COMMAND "${prefix}/bin/hemosim" serve --port 0 --root /nonexistent/root
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE errout)
if(NOT rc EQUAL 2 OR NOT "${out}${errout}" MATCHES "--root '/nonexistent/root' is not a directory")
  message(FATAL_ERROR "installed hemosim serve: exit ${rc}:\n${out}${errout}")
endif()
# moved elsewhere, the installed tree still finds its data (relative to the binary)
file(RENAME "${prefix}" "${WORK}/moved")
get_filename_component(rmoved "${WORK}/moved" REALPATH)
run("${WORK}/moved/bin/hemosim" serve --help)
file(RENAME "${WORK}/moved" "${prefix}")
if(NOT last_out MATCHES "default here: ${rmoved}/share/hemosim/web\\)")
  message(FATAL_ERROR "moved install: hemosim serve does not follow its data:\n${last_out}")
endif()
get_filename_component(rsrc "${SRC}" REALPATH)
run("${BUILD}/hemosim" serve --help)
if(NOT last_out MATCHES "default here: ${SRC}/web\\)" AND NOT last_out MATCHES "default here: ${rsrc}/web\\)")
  message(FATAL_ERROR "build-tree hemosim serve does not default to the source tree:\n${last_out}")
endif()
message(STATUS "install, pkg-config, find_package, exports, headers and serve data: ok")
