# shellcheck shell=bash
# Debian 12 package lists and an idempotent installer, shared by scripts/run
# and scripts/test. Source it; it defines variables and functions only.
#
#   wshost_ensure_packages PKG...   install the ones that are missing
#
# Nothing is installed (and `apt-get update` does not run) when every package is
# present already, so the scripts also work for a non-root user on a prepared
# machine. A non-root user with missing packages needs passwordless sudo.

# Build and runtime: what `cmake --build` of the host and plugins needs.
WSHOST_BUILD_PACKAGES=(
    build-essential   # gcc/g++ 12, make, libc headers; libasan/libubsan come with gcc
    cmake             # 3.25 (the project needs >= 3.20)
    pkg-config
    libwebsockets-dev # 4.1.6; pulls libwebsockets17, the evlib plugins, libcap-dev, zlib1g-dev
    libwebsockets-evlib-ev  # runtime: [server] event_loop = "libev" (the default) loads it
    libev-dev         # the host runs the libev loop lws uses (host/src/transport/loop_pass.h)
    libcjson-dev
    libtomlplusplus-dev
    libssl-dev
    binutils          # nm/readelf: plugin symbol checks
)

# Tests: unit tests (GoogleTest) and the Python WebSocket client of the
# integration tests (Debian's websocket-client 1.2.3, importable by /usr/bin/python3).
WSHOST_TEST_PACKAGES=(
    "${WSHOST_BUILD_PACKAGES[@]}"
    libgtest-dev
    libgmock-dev
    python3
    python3-websocket
    python3-prometheus-client  # the /metrics scrape is checked with Prometheus' own parser
    curl                       # control API tests (Expect: 100-continue)
    dpkg-dev                   # the package test: dpkg-shlibdeps (cpack's Depends), dpkg-deb
    lintian                    # the package test: no lintian errors
    file                       # the package test: binaries are stripped
    systemd                    # systemd-analyze verify / security on the installed units
    chromium                   # the e2e browser test (driven by playwright-core from npm, tests/e2e)
    openssl                    # tests/hostile/test_tls.py: a self-signed certificate per run
    clang                      # tests/fuzz: libFuzzer targets (build-fuzz tree, scripts/fuzz)
    libclang-rt-14-dev         # tests/fuzz: the libFuzzer runtime (only a Recommends of clang)
)

# node and npm for the e2e test's playwright-core (tests/e2e/package-lock.json).
# Only when missing: this machine's node may be NodeSource's (it provides npm and
# conflicts with Debian's npm package); a fresh Debian 12 gets its nodejs 18.
wshost_node_packages() {
    command -v node >/dev/null 2>&1 || echo nodejs
    command -v npm >/dev/null 2>&1 || echo npm
}

wshost_log() { printf '[wshost] %s\n' "$*" >&2; }

# Prints the packages among "$@" that are not installed.
wshost_missing_packages() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        if [[ $status != "install ok installed" ]]; then
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
