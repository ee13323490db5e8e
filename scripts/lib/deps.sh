# shellcheck shell=bash
# Debian 12 package lists and an idempotent installer, shared by scripts/run
# and scripts/test. Source it; it defines variables and functions only.
#
#   wshost_ensure_packages PKG...   install the ones that are missing
#
# Nothing is installed (and `apt-get update` does not run) when every package is
# present already, so the scripts also work for a non-root user on a prepared
# machine. A non-root user with missing packages needs passwordless sudo.

# Lists grouped by purpose, one package a line with why. scripts/run installs
# WSHOST_BUILD_PACKAGES; scripts/test installs WSHOST_TEST_PACKAGES (build, tests
# and the benchmarks' smoke run). Whatever a test imports or runs must come from
# one of these: scripts/lib/check_deps.py (scripts/test --check-deps) reads the
# tree and fails when something is missing or was installed by hand.

# Build and runtime: what `cmake --build` of the host, plugins and bench needs.
WSHOST_BUILD_PACKAGES=(
    build-essential   # gcc/g++ 12, make, libc headers; libasan/libubsan come with gcc
    cmake             # 3.25 (the project needs >= 3.20)
    pkg-config
    libwebsockets-dev # 4.1.6; pulls libwebsockets17, the evlib plugins, libcap-dev
    libwebsockets-evlib-ev  # runtime: [server] event_loop = "libev" (the default) loads it
    libev-dev         # the host runs the libev loop lws uses (host/src/transport/loop_pass.h)
    libcjson-dev
    libtomlplusplus-dev
    libssl-dev
    libcurl4-openssl-dev  # wshostctl's HTTP/HTTPS/Unix-socket client (host/ctl/http_client.cpp)
    libhiredis-dev    # 0.14: the cluster layer's Redis client (host/src/cluster, async API)
    zlib1g-dev        # bench/wsload (permessage-deflate), find_package(ZLIB) in bench/
    binutils          # nm/readelf: plugin symbol checks
)

# Unit tests (GoogleTest).
WSHOST_UNIT_TEST_PACKAGES=(
    libgtest-dev
    libgmock-dev
)

# Integration tests: the Python clients, run by /usr/bin/python3
# (tests/CMakeLists.txt WSHOST_PYTHON), and the tools they call.
WSHOST_PYTHON_TEST_PACKAGES=(
    python3
    python3-websocket          # websocket-client 1.2.3: the harness's WebSocket client
    python3-websockets         # websockets 10.4: permessage-deflate client (tests/gateway), sans-I/O client (tests/conformance)
    python3-prometheus-client  # the /metrics scrape is checked with Prometheus' own parser
    curl                       # control API tests (Expect: 100-continue)
    openssl                    # tests/hostile/test_tls.py: a self-signed certificate per run
    redis-server               # tests/cluster: each test starts its own Redis 7 (Unix socket, temp dir)
)

# The package test (tests/packaging): cpack -G DEB, then checks and a real install.
WSHOST_PACKAGE_TEST_PACKAGES=(
    dpkg-dev          # dpkg-shlibdeps (cpack's Depends); dpkg-deb comes with dpkg
    lintian           # no lintian errors
    file              # the binaries are stripped
    systemd           # systemd-analyze verify / security on the installed units
    apt               # apt-get install ./wshost_*.deb (Priority important, so not implied)
)

# node and npm: `npm ci` of tests/e2e (playwright-core) and of bench/node (ws),
# from the npm registry. A nodejs from outside Debian (NodeSource's) Provides
# npm and conflicts with Debian's npm package: it counts as present (see
# wshost_missing_packages) and is kept; a fresh Debian 12 gets its nodejs 18.
WSHOST_NODE_PACKAGES=(
    nodejs            # the e2e test's driver, bench/node's node ws baseline server
    npm
    ca-certificates   # npm reaches the registry over HTTPS
)

# The browser test (tests/e2e): the chat demo in Debian's Chromium.
WSHOST_BROWSER_TEST_PACKAGES=(
    chromium          # /usr/bin/chromium, driven by playwright-core (no browser download)
)

# The benchmarks' smoke run (BENCH_QUICK=1 bench/run): tools beside node.
WSHOST_BENCH_PACKAGES=(
    wrk               # bench/run control: POST /send-text requests/s
)

# The fuzz tree (build-fuzz: scripts/test's smoke, scripts/fuzz): libFuzzer.
WSHOST_FUZZ_PACKAGES=(
    clang              # clang 14: -fsanitize=fuzzer (tests/fuzz, scripts/lib/fuzz_tree.sh)
    libclang-rt-14-dev # the libFuzzer runtime (only a Recommends of clang)
)

# The style check (scripts/lib/check_style.sh): the reference formatter.
WSHOST_STYLE_PACKAGES=(
    clang-format       # clang-format 14: scripts/test fails on a diff from .clang-format
)

# Everything scripts/test installs.
WSHOST_TEST_PACKAGES=(
    "${WSHOST_BUILD_PACKAGES[@]}"
    "${WSHOST_UNIT_TEST_PACKAGES[@]}"
    "${WSHOST_PYTHON_TEST_PACKAGES[@]}"
    "${WSHOST_PACKAGE_TEST_PACKAGES[@]}"
    "${WSHOST_NODE_PACKAGES[@]}"
    "${WSHOST_BROWSER_TEST_PACKAGES[@]}"
    "${WSHOST_FUZZ_PACKAGES[@]}"
    "${WSHOST_BENCH_PACKAGES[@]}"
    "${WSHOST_STYLE_PACKAGES[@]}"
)

wshost_log() { printf '[wshost] %s\n' "$*" >&2; }

# Prints the packages among "$@" that are not installed. A package that an
# installed one Provides counts as present (e.g. npm, which a nodejs build from
# outside Debian provides and conflicts with).
wshost_missing_packages() {
    local pkg status
    local -A provided=()
    while read -r pkg; do
        [[ -n $pkg ]] && provided[$pkg]=1
    done < <(dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null |
        sed -n 's/^ii *|//p' | tr ',' '\n' | sed 's/(.*)//; s/:.*//; s/ //g')
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        if [[ $status != "install ok installed" && -z ${provided[$pkg]:-} ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

# Installs the packages among "$@" that are missing, non-interactively.
wshost_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        wshost_log "dpkg-query not found: this script expects Debian 12"
        return 1
    fi
    local -a missing sudo_cmd=()
    mapfile -t missing < <(wshost_missing_packages "$@")
    if ((${#missing[@]} == 0)); then
        wshost_log "packages: all $# present"
        return 0
    fi
    wshost_log "packages missing: ${missing[*]}"
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo_cmd=(sudo)
        else
            wshost_log "not root and no passwordless sudo: install them first:"
            wshost_log "  apt-get install -y --no-install-recommends ${missing[*]}"
            return 1
        fi
    fi
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
    mapfile -t missing < <(wshost_missing_packages "$@")
    if ((${#missing[@]} != 0)); then
        wshost_log "still missing after apt-get install: ${missing[*]}"
        return 1
    fi
}
