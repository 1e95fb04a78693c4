#!/bin/sh
# build.sh - set up, build and run hemosim on a Debian machine, from nothing.
#
#   ./build.sh run    install what is missing, build, simulate the default patient
#   ./build.sh test   install what is missing, build (warnings are errors), run the
#                     whole test suite, then again under AddressSanitizer and
#                     UndefinedBehaviorSanitizer
#   ./build.sh bench  install, build, run the benchmarks in bench/
#
# Debian packages are installed with apt-get (through sudo when not root).
set -eu
cd "$(dirname "$0")"

PACKAGES="gcc clang libclang-rt-14-dev make cmake pkg-config libsundials-dev libyaml-dev libjansson-dev libcmocka-dev libnlopt-dev libopenmpi-dev openmpi-bin libsqlite3-dev libmicrohttpd-dev nettle-dev"
# the browser test of `hemosim serve` (tests/serve_e2e.sh): headless chromium driven by
# playwright-core from npm
PACKAGES="$PACKAGES chromium nodejs"
JOBS=$(nproc 2>/dev/null || echo 2)

install_missing() {
  missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  # npm: Debian's package, unless the installed nodejs already brings it (nodesource)
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
  [ -z "$missing" ] && return 0
  echo "build.sh: installing:$missing" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing >&2
}

build() { # build DIR [cmake args...]
  dir=$1
  shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS" >&2
}

case "${1:-}" in
  run)
    install_missing
    build build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
    shift
    exec build/hemosim run "$@"
    ;;
  test)
    install_missing
    build build -DCMAKE_BUILD_TYPE=Release -DHS_WERROR=ON -DBUILD_TESTING=ON
    (cd build && ctest --output-on-failure -j "$JOBS")
    build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHS_WERROR=ON -DHS_SANITIZE=address,undefined
    (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --output-on-failure -j "$JOBS")
    ;;
  bench)
    install_missing
    build build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
    build/bench_realtime
    build/bench_integrators
    build/bench_compare
    build/serve_load 20 20
    build/bench_steady
    ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
    ;;
esac
