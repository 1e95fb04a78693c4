# trial_cli.cmake - `hemosim trial` as a trial team meets it: create, enrol, visits
# with a late one, a microcirculation record, queries, status, verify, analysis and
# exports read back, with the documented exit codes and messages.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(DB ${WORK}/trial.db)

include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

set(T ${HEMOSIM} trial)
set(ELIG --criterion adult=yes --criterion va_ecmo=yes --criterion consent=yes
         --criterion oral_lesion=no --criterion ecpr=no)

expect_run(0 ${T} --help)
expect_match("${OUT}" "usage: hemosim trial")
expect_run(0 ${T} fields)
expect_match("${OUT}" "ecmo_flow +number +L/min")
expect_run(1 ${T} nosuch)
expect_run(1 ${T} create ${DB} --protocol ${SRC}/examples/trial/protocol.yaml)
expect_match("${ERR}" "missing --user")
expect_run(2 ${T} create ${DB} --user ann --role data_entry --protocol ${SRC}/examples/trial/protocol.yaml)
expect_match("${ERR}" "not allowed for role data_entry")
expect_run(0 ${T} create ${DB} --user ann --protocol ${SRC}/examples/trial/protocol.yaml
           --seed 00000000000000aa)
expect_run(2 ${T} create ${DB} --user ann --protocol ${SRC}/examples/trial/protocol.yaml)
expect_match("${ERR}" "already exists")

# enrolment: eligible, ineligible, twice
expect_run(0 ${T} enrol ${DB} --user bob --patient A-001 --site site-A --stratum scai=D
           --placed 2026-03-01T08:00Z ${ELIG})
expect_match("${OUT}" "patient A-001 enrolled: arm (control|micro)")
expect_run(2 ${T} enrol ${DB} --user bob --patient A-001 --site site-A --stratum scai=D
           --placed 2026-03-01T08:00Z ${ELIG})
expect_match("${ERR}" "already enrolled")
expect_run(2 ${T} enrol ${DB} --user bob --patient A-002 --site site-A --stratum scai=D
           --placed 2026-03-01T08:00Z --criterion adult=no --criterion va_ecmo=yes
           --criterion consent=yes --criterion oral_lesion=no --criterion ecpr=no)
expect_match("${ERR}" "not eligible: adult = no")
expect_run(0 ${T} enrol ${DB} --user bob --patient A-002 --site site-B --stratum scai=C
           --placed 2026-03-01T10:00+01:00 ${ELIG})

# visits: in window, late (a deviation), units required, a change needs a reason
expect_run(0 ${T} visit ${DB} --user bob --patient A-001 --visit T1 --set time=2026-03-01T20:00Z
           --set "ecmo_flow=3.5 L/min" --set "map=66 mmHg" --set "lactate=4.2 mmol/L"
           --set "norepinephrine=0.12 ug/kg/min" --set "dobutamine=5 ug/kg/min")
expect_match("${OUT}" "inside 0-18 h")
expect_match("${OUT}" "VIS 17.0")
expect_run(0 ${T} visit ${DB} --user bob --patient A-001 --visit T1 --micro ${SRC}/tests/data/micro_basic.yaml)
expect_run(0 ${T} visit ${DB} --user bob --patient A-001 --visit T2 --set time=2026-03-02T19:00Z)
expect_match("${OUT}" "DEVIATION: T2 at 23.00 h after T1 is outside its window 6-22 h \\(late by 1.00 h\\)")
expect_run(2 ${T} visit ${DB} --user bob --patient A-001 --visit T2 --set ecmo_flow=3)
expect_match("${ERR}" "has no unit")
expect_run(2 ${T} visit ${DB} --user bob --patient A-001 --visit T1 --set "map=70 mmHg")
expect_match("${ERR}" "needs a reason")
expect_run(0 ${T} visit ${DB} --user bob --patient A-001 --visit T1 --set "map=70 mmHg"
           --reason "transcription error")
expect_run(0 ${T} visit ${DB} --user bob --patient A-001 --visit day28 --set status=dead
           --set death_time=2026-03-06T12:00Z)
expect_run(0 ${T} visit ${DB} --user bob --patient A-002 --visit day28 --set status=alive)
expect_run(0 ${T} ae ${DB} --user bob --patient A-001 --type limb_ischaemia
           --onset 2026-03-02T03:00Z --severity moderate --description "cold left leg")

# queries and unblinding
expect_run(0 ${T} query raise ${DB} --user cat --patient A-001 --visit T1 --field map --text "please check")
expect_match("${OUT}" "query 1 raised")
expect_run(2 ${T} query close ${DB} --user cat --id 1 --text done)
expect_match("${ERR}" "not been answered")
expect_run(0 ${T} query answer ${DB} --user bob --id 1 --text "corrected from the chart")
expect_run(0 ${T} query close ${DB} --user cat --id 1 --text resolved)
expect_run(0 ${T} unblind ${DB} --user bob --patient A-002 --reason "surgery")
expect_match("${OUT}" "arm (control|micro) \\(unblinding recorded\\)")

# status, audit, verify
expect_run(0 ${T} status ${DB} --json ${WORK}/status.json)
file(READ ${WORK}/status.json S)
expect_match("${S}" "\"schema\": \"hemosim-trial-status/1\"")
expect_match("${S}" "\"window\": \"outside\"")
if(S MATCHES "\"arm\"")
  message(FATAL_ERROR "status shows arms to a monitor:\n${S}")
endif()
expect_run(0 ${T} audit ${DB} --patient A-001)
expect_match("${OUT}" "transcription error")
expect_run(0 ${T} verify ${DB})
expect_match("${OUT}" "verified")

# analysis and exports (statistician)
expect_run(2 ${T} export ${DB} --user bob --role data_entry --csv ${WORK}/x.csv)
expect_run(0 ${T} analyze ${DB} --user sam --json ${WORK}/analysis.json --km ${WORK}/km.svg)
file(READ ${WORK}/analysis.json A)
expect_match("${A}" "\"schema\": \"hemosim-trial-analysis/1\"")
expect_match("${A}" "\"fisher_p\"")
file(READ ${WORK}/km.svg K)
expect_match("${K}" "<svg")
expect_run(0 ${T} export ${DB} --user sam --csv ${WORK}/trial.csv --odm ${WORK}/trial.xml)
file(STRINGS ${WORK}/trial.csv CSV)
list(GET CSV 0 HEAD)
expect_match("${HEAD}" "^patient,site,stratum,arm,visit,field,value,unit,version,recorded_at,recorded_by,reason$")
expect_match("${CSV}" "A-001,site-A,site=site-A/scai=D,(control|micro),T1,map,70,mmHg,2,")
expect_match("${CSV}" "ae_type,limb_ischaemia")
file(READ ${WORK}/trial.xml X)
expect_match("${X}" "ODMVersion=\"1.3.2\"")
expect_match("${X}" "<ItemData ItemOID=\"IT.ecmo_flow\" Value=\"3.5\"/>")

# option forms (getopt_long): --opt=value, operands anywhere, errors
expect_run(0 ${T} status --json=${WORK}/status2.json ${DB})
expect_run(1 ${T} status ${DB} --csv x)
expect_match("${ERR}" "unknown option '--csv'")
expect_run(1 ${T} visit ${DB} --user bob --patient)
expect_match("${ERR}" "option --patient needs a value")

# the in-silico trial: a new database from the protocol, three generated patients, a
# coarse titration (decisions every 24 h: T1 at 0 h, T2 24 h and T3 48 h after it, both late: recorded deviations)
set(SIM ${WORK}/sim.db)
expect_run(1 ${T} simulate ${SIM} --user sim --protocol ${SRC}/examples/trial/protocol.yaml)
expect_match("${ERR}" "give the virtual patients")
expect_run(1 ${T} simulate ${SIM} --user sim --patient-file x.yaml --seed xyz)
expect_match("${ERR}" "--seed must be 1-16 hex digits")
expect_run(0 ${T} simulate ${SIM} --user sim --protocol ${SRC}/examples/trial/protocol.yaml
           --patient-file ${SRC}/examples/patients/severe_shock_ecmo.yaml,${SRC}/examples/patients/acute_mi_shock_ecmo.yaml
           --patients 3
           --interval-h 24 --threads 2 --seed 5 --json ${WORK}/sim.json)
expect_match("${OUT}" "3 virtual patients screened, 0 outside acceptance, 3 enrolled, 0 failed; 12 visits \\(6 outside their window\\)")
expect_match("${OUT}" "MODEL PROXIES")
expect_match("${OUT}" "enrolled by phenotype: Severe cardiogenic shock[^,]*, [^,]* [0-3]")
file(READ ${WORK}/sim.json J)
expect_match("${J}" "\"schema\": \"hemosim-trial-simulation/1\"")
expect_match("${J}" "\"risk_difference\"")
expect_run(2 ${T} simulate ${SIM} --user sim
           --patient-file ${SRC}/examples/patients/severe_shock_ecmo.yaml --patients 1)
expect_match("${ERR}" "already has 3 patient\\(s\\)")
expect_run(0 ${T} verify ${SIM})
expect_match("${OUT}" "verified")
expect_run(0 ${T} status ${SIM} --json ${WORK}/sim_status.json)
file(READ ${WORK}/sim_status.json S)
expect_match("${S}" "\"window\": \"outside\"")
