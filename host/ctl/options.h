// Global options of wshostctl (--url, --token, --token-file, --cacert, --insecure, --json,
// --timeout, --help, --version) and the help text.
#pragma once

#include "url.h"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace wshost::ctl
{

// Default control URL when neither --url nor WSHOST_CONTROL_URL is given.
inline constexpr const char *default_control_url = "http://127.0.0.1:8081";

struct GlobalOptions {
    ControlUrl url;
    std::string token;     // never printed
    std::string ca_file;   // --cacert FILE: https trusts these CAs instead of the system's
    bool insecure = false; // --insecure: https without verifying the server's certificate
    bool json = false;
    int timeout_ms = 10'000; // --timeout SECONDS
    bool help = false;
    bool version = false;
    std::vector<std::string> words; // the command name and its own words, in order
};

// Environment lookup (std::getenv in the binary, a map in tests).
using Getenv = std::function<const char *(const char *)>;

// Global options may appear before or after the command name, up to a "--" (which is kept in
// `words` for the command's parser). False with `error` set on a usage error; the error never
// contains the token.
bool parse_global_options(std::span<const std::string> argv, const Getenv &getenv, GlobalOptions &out,
                          std::string &error);

std::string usage_text();   // --help
std::string version_text(); // --version

} // namespace wshost::ctl
