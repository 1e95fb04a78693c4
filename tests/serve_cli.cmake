# serve_cli.cmake - `hemosim serve` as a user meets it: help, usage errors (exit 1) and
# a server that cannot start (exit 2).  The API itself is tested by test_serve, the
# page by serve_e2e.
include(${CMAKE_CURRENT_LIST_DIR}/cli_common.cmake)

expect_run(0 ${HEMOSIM} serve --help)
expect_match("${OUT}${ERR}" "usage: hemosim serve")
expect_match("${OUT}${ERR}" "--root DIR")
expect_run(1 ${HEMOSIM} serve --port 70000)
expect_match("${OUT}${ERR}" "--port must be an integer in \\[0, 65535\\]")
expect_run(1 ${HEMOSIM} serve --port)
expect_match("${OUT}${ERR}" "needs a value")
expect_run(1 ${HEMOSIM} serve --no-such-option)
expect_match("${OUT}${ERR}" "unknown option '--no-such-option'")
expect_run(1 ${HEMOSIM} serve extra)
expect_run(2 ${HEMOSIM} serve --port 0 --web /nonexistent/web)
expect_match("${OUT}${ERR}" "web directory '/nonexistent/web' is not a directory")
expect_run(2 ${HEMOSIM} serve --port 0 --root /nonexistent/root)
expect_match("${OUT}${ERR}" "--root '/nonexistent/root' is not a directory")
expect_run(2 ${HEMOSIM} serve --port 0 --bind 999.1.1.1)
expect_match("${OUT}${ERR}" "not an IPv4 address")
