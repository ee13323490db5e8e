// wshostctl exit codes. Scripts and cron jobs branch on these, so they are part of the
// command's interface (also listed by `wshostctl --help`).
#pragma once

namespace wshost::ctl
{

enum ExitCode : int {
    exit_ok = 0,          // the server answered 2xx
    exit_refused = 1,     // the server answered 4xx/5xx (its error message is printed), or a
                          // reload finished with status "failed", or `status` found it not ready
    exit_usage = 2,       // bad command line, unreadable file, `token` without a usable config/key
    exit_unreachable = 3, // connect failure, DNS failure, timeout, TLS failure, malformed response
};

// 2xx → exit_ok, anything else the server answered → exit_refused.
constexpr int exit_code_for_status(int http_status)
{
    return http_status >= 200 && http_status < 300 ? exit_ok : exit_refused;
}

} // namespace wshost::ctl
