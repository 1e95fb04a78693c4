# engine_layering.cmake - the engine (src/model/) knows no physiological module by name:
# it reaches them only through src/physio/module.h (hs_physio_module and its circuit and
# transport hooks).  Fails on any module symbol, parameter index, private header or plan field in
# src/model/, the O2 / CO2 chemistry and the oxygen block included.
file(GLOB files ${SRC}/src/model/*.c ${SRC}/src/model/*.h)
set(patterns "hs_brain_" "BRAIN_" "physio/brain\\.h" "hs_baro_" "HS_BARO_" "HS_BP_" "hs_drug_"
             "HS_DRUG_" "MAPC_" "hs_bp_control"
             "hs_lactate" "hs_hemolysis" "hs_fluids" "hs_lung_water" "hs_tissue_co2"
             "hs_transport_" "hs_o2_" "hs_co2_" "OXY_" "hemosim/oxygen\\.h" "hemosim/co2\\.h"
             # what a module resolves at compile lives in its own plan data
             # (hs_physio_plan_data), not in fields of the engine's plan
             "->(baro_site|spl_bed|brain_sinus|lungw|l_mca_bed|mapc)"
             "->(baro|drugs|brain|oxygen)([^_a-z]|$)" "->lact([^a-z]|$)"
             "^ *int .*[ ,](baro|drugs|brain|mapc|lungw|lact|oxygen)[,;]")
set(bad "")
foreach(f ${files})
  file(STRINGS ${f} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    foreach(p ${patterns})
      if(line MATCHES "${p}")
        file(RELATIVE_PATH rel ${SRC} ${f})
        string(APPEND bad "\n  ${rel}:${n}: '${p}': ${line}")
      endif()
    endforeach()
  endforeach()
endforeach()
list(LENGTH files nfiles)
if(nfiles LESS 5)
  message(FATAL_ERROR "engine_layering: only ${nfiles} files under ${SRC}/src/model")
endif()
if(bad)
  message(FATAL_ERROR "engine_layering: the engine names physiological modules (go through src/physio/module.h):${bad}")
endif()
message(STATUS "engine_layering: ${nfiles} files in src/model name no physiological module")
