// Runs a plan: sends its request(s) through a transport, maps answers to output and exit code.
// The transport is a parameter so the flows (pages, reload polling, status) are testable
// without sockets.
#pragma once

#include "commands.h"
#include "http_client.h"

#include <functional>
#include <string>

namespace wshost::ctl
{

using Transport = std::function<Exchange(const Request &)>;

struct RunOptions {
    bool json = false;           // print response bodies verbatim instead of human output
    bool token_sent = false;     // for the 401 hint
    int reload_wait_ms = 60'000; // `reload` polls GET /v1/reload this long while "running"
    int reload_poll_ms = 250;    // between two polls
};

struct Outcome {
    int exit_code = 0; // see exit_codes.h
    std::string out;   // for stdout
    std::string err;   // for stderr, each line prefixed "wshostctl: "
};

Outcome run_plan(const Plan &plan, const RunOptions &options, const Transport &send);

// `target` with its cursor query parameter replaced by `cursor` (other parameters kept).
std::string with_cursor(const std::string &target, const std::string &cursor);

} // namespace wshost::ctl
