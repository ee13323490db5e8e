# shellcheck shell=bash
# The clang tree of the fuzz targets (tests/fuzz), shared by scripts/test
# (a short smoke per target) and scripts/fuzz (longer runs). Source it.
#
#   wshost_configure_fuzz_tree DIR SECONDS   configure DIR so that each fuzz
#                                            CTest fuzzes for SECONDS

wshost_configure_fuzz_tree() {
    local dir=$1 seconds=$2
    wshost_log "== build-fuzz: configure ($dir, ${seconds}s per target)"
    cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSHOST_SANITIZE=address,undefined \
        -DWSHOST_BUILD_FUZZERS=ON -DWSHOST_BUILD_TESTS=OFF -DWSHOST_BUILD_BENCH=OFF \
        -DWSHOST_FUZZ_SMOKE_SECONDS="$seconds"
}
