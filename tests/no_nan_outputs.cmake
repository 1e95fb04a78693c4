# no_nan_outputs.cmake - a metric that does not apply (no ECMO, no ejection, ...) is never
# printed as "nan" or "inf": "n/a" in text, null in JSON, an empty cell in CSV.  Every
# shipped patient goes through every output path of `run` (metrics table, summary JSON,
# --out directory, --sweep table); the patients with and without ECMO / ejection through
# `compare` (text and JSON).
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

function(expect_finite what text)
  string(TOLOWER "${text}" low)
  if(low MATCHES "(^|[^a-z_])(-?nan|-?inf|-?infinity)([^a-z_]|$)")
    message(FATAL_ERROR "${what}: non-finite value '${CMAKE_MATCH_2}' printed:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(GLOB patients ${SRC}/examples/patients/*.yaml)
list(LENGTH patients np)
if(np LESS 10)
  message(FATAL_ERROR "expected the shipped patients in ${SRC}/examples/patients, found ${np}")
endif()
# -DSUBSET=1 (the sanitizer suite): the patients that between them leave each kind of
# metric not applicable (no ECMO; arrest: no ejection, no flow; a non-ejecting LV on
# ECMO; an occluded cerebral artery) and take them through every output path
if(SUBSET)
  list(FILTER patients INCLUDE REGEX
       "/(healthy_adult|cardiac_arrest_vf|severe_shock_ecmo|basilar_occlusion)[.]yaml$")
  list(LENGTH patients np)
  if(NOT np EQUAL 4)
    message(FATAL_ERROR "no_nan_outputs SUBSET: expected 4 patients, found ${np}")
  endif()
endif()
foreach(p ${patients})
  get_filename_component(name ${p} NAME_WE)
  expect_run(0 ${HEMOSIM} run ${p} --summary-json ${WORK}/${name}.json --out ${WORK}/${name})
  expect_finite("run ${name} (text)" "${OUT}")
  # no shipped patient sends hypoxaemic blood to the brain (the note of cli_outputs)
  if("${ERR}" MATCHES "the brain receives blood")
    message(FATAL_ERROR "run ${name}: unexpected hypoxaemia note:\n${ERR}")
  endif()
  file(READ ${WORK}/${name}.json j)
  expect_finite("run ${name} --summary-json" "${j}")
  file(GLOB outs ${WORK}/${name}/*)
  foreach(f ${outs})
    file(READ ${f} t)
    expect_finite("run ${name} --out: ${f}" "${t}")
  endforeach()
endforeach()

# the --sweep table with metrics that do not apply to a patient without ECMO
expect_run(0 ${HEMOSIM} run ${SRC}/examples/patients/healthy_adult.yaml
  --sweep "heart.heart_rate=60,80 /min" --columns map_mmhg:0,svo2_drained_pct:0,pvco2_drained_mmhg:1)
expect_finite("run --sweep" "${OUT}")
expect_match("${OUT}" "\\| n/a \\| n/a \\|")
# the metrics table says n/a
expect_run(0 ${HEMOSIM} run ${SRC}/examples/patients/healthy_adult.yaml)
expect_match("${OUT}" "pvco2_drained_mmhg +n/a")

foreach(name healthy_adult cardiac_arrest_vf cardiac_arrest_ecpr severe_shock_ecmo)
  set(p ${SRC}/examples/patients/${name}.yaml)
  expect_run(0 ${HEMOSIM} compare ${p} --strategy ecmo:3 --strategy "ecmo+iabp:1:1")
  expect_finite("compare ${name}" "${OUT}")
  expect_run(0 ${HEMOSIM} compare ${p} --json - --strategy ecmo:3 --strategy "ecmo+iabp:1:1")
  expect_finite("compare ${name} --json" "${OUT}")
endforeach()
