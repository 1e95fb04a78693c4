# docs_check.cmake - the documentation is self-contained (issue 12).
#
#   cmake -DSRC=<repository root> -P tests/docs_check.cmake
#
# Fails when
#  1. a file of the repository (docs, README, sources, headers, CLI, tests, examples,
#     web app, benchmarks, scripts) names MISSION.md or ../shared: a file outside the
#     repository that a reader cannot follow (cite the primary source instead,
#     docs/references.md);
#  2. a relative link of a Markdown file ([text](path) or ![alt](path)) points to a file
#     that does not exist;
#  3. any of those files names a docs/NAME.md that does not exist (deleted docs still
#     referenced from code comments or help text).
# The README's Status section is the lead's progress log and is not checked.
if(NOT SRC)
  message(FATAL_ERROR "usage: cmake -DSRC=<repository root> -P docs_check.cmake")
endif()

set(patterns)
foreach(dir docs src include cli examples web tests bench scripts fuzz cmake)
  foreach(ext md c h yaml yml json js html css txt cmake sh csv in)
    list(APPEND patterns "${SRC}/${dir}/*.${ext}")
  endforeach()
endforeach()
file(GLOB_RECURSE files LIST_DIRECTORIES false ${patterns})
list(APPEND files "${SRC}/README.md" "${SRC}/CMakeLists.txt" "${SRC}/build.sh")
# This script names the forbidden strings itself.
list(REMOVE_ITEM files "${SRC}/tests/docs_check.cmake")

set(errors "")
set(nerr 0)
set(nfiles 0)
set(nlinks 0)
# Forbidden strings, built so that this file does not contain them literally.
set(mission "MISSION")
string(APPEND mission ".md")
set(shared "../")
string(APPEND shared "shared")

foreach(f ${files})
  file(READ "${f}" text)
  file(RELATIVE_PATH rel "${SRC}" "${f}")
  math(EXPR nfiles "${nfiles} + 1")
  if(rel STREQUAL "README.md")
    # drop the Status section (from "## Status" to the next level-2 heading)
    string(FIND "${text}" "\n## Status" s)
    if(s GREATER -1)
      string(SUBSTRING "${text}" 0 ${s} head)
      math(EXPR s1 "${s} + 10")
      string(SUBSTRING "${text}" ${s1} -1 tail)
      string(FIND "${tail}" "\n## " e)
      if(e GREATER -1)
        string(SUBSTRING "${tail}" ${e} -1 tail)
      else()
        set(tail "")
      endif()
      set(text "${head}${tail}")
    endif()
  endif()

  foreach(bad "${mission}" "${shared}")
    string(FIND "${text}" "${bad}" pos)
    if(pos GREATER -1)
      string(APPEND errors "  ${rel}: names ${bad}, a file outside the repository; cite the primary source (docs/references.md)\n")
      math(EXPR nerr "${nerr} + 1")
    endif()
  endforeach()

  get_filename_component(dir "${f}" DIRECTORY)
  if(f MATCHES "\\.md$")
    string(REGEX MATCHALL "\\]\\([^)\n ]+\\)" links "${text}")
    # an unbalanced ] would keep CMake from splitting the list: drop it first
    string(REPLACE "]" "" links "${links}")
    foreach(l ${links})
      string(REGEX REPLACE "^\\(([^)]+)\\)$" "\\1" target "${l}")
      if(target MATCHES "^(https?|mailto|ftp):" OR target MATCHES "^#")
        continue()
      endif()
      string(REGEX REPLACE "#.*$" "" path "${target}")
      if(path STREQUAL "")
        continue()
      endif()
      math(EXPR nlinks "${nlinks} + 1")
      if(NOT EXISTS "${dir}/${path}")
        string(APPEND errors "  ${rel}: link to ${target}: no such file\n")
        math(EXPR nerr "${nerr} + 1")
      endif()
    endforeach()
  endif()

  string(REGEX MATCHALL "docs/[A-Za-z0-9_/-]+\\.md" named "${text}")
  list(REMOVE_DUPLICATES named)
  foreach(n ${named})
    if(NOT EXISTS "${SRC}/${n}")
      string(APPEND errors "  ${rel}: names ${n}, which does not exist\n")
      math(EXPR nerr "${nerr} + 1")
    endif()
  endforeach()
endforeach()

# 4. docs/library.md lists the physiological modules: every one in the registry
#    (src/physio/registry.c) is named there as `NAME` (a stale list read "the MAP / BP
#    controller, the drugs and the baroreflex today" after six more had been added).
file(READ "${SRC}/src/physio/registry.c" reg)
file(READ "${SRC}/docs/library.md" lib)
string(REGEX MATCHALL "&hs_physio_[a-z0-9_]+" mods "${reg}")
list(REMOVE_DUPLICATES mods)
foreach(m ${mods})
  string(REPLACE "&hs_physio_" "" m "${m}")
  if(NOT lib MATCHES "`${m}`")
    string(APPEND errors "  docs/library.md: does not list the physiological module `${m}`\n")
    math(EXPR nerr "${nerr} + 1")
  endif()
endforeach()

if(nerr GREATER 0)
  message(FATAL_ERROR "docs_check: ${nerr} problem(s) in ${nfiles} files:\n${errors}")
endif()
message(STATUS "docs_check: ${nfiles} files, ${nlinks} relative Markdown links, all fine")
