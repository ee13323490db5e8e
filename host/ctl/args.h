// Command-line words → positionals and options, against a per-command option table.
// Hand-written rather than CLI11: the tables of commands.cpp already drive parsing, the usage
// lines and per-command --help (`wshostctl send --help`) from one row per command; CLI11 would
// restate every command's positionals and options in its own API and change the usage and
// error texts scripts match, for a few dozen lines saved at most.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost::ctl
{

struct OptionSpec {
    std::string_view name; // "--user"
    bool takes_value;      // "--user ID" (also "--user=ID") versus a flag "--all"
    bool repeatable;       // "--tag k=v --tag k2=v2"
};

struct ParsedArgs {
    std::vector<std::string> positionals;
    std::vector<std::pair<std::string, std::string>> options; // in command-line order; flags carry ""

    bool has(std::string_view name) const;
    std::optional<std::string> value(std::string_view name) const; // last occurrence
    std::vector<std::string> values(std::string_view name) const;  // every occurrence, in order
};

// Splits `words` (the command's own words, after its name). "--" ends the options, so
// `send-text 42 -- --literal-text` works; a lone "-" is a positional (stdin). False with
// `error` set on an unknown option (the message lists the valid ones), a missing value or a
// repeated non-repeatable option.
bool parse_args(std::span<const std::string> words, std::span<const OptionSpec> spec, ParsedArgs &out,
                std::string &error);

// "a,b,c" → {"a","b","c"}; false on an empty element ("a,,b", "", "a,").
bool split_list(std::string_view text, std::vector<std::string> &out);

// "key=value" (split at the first '='); false when there is no '=' or the key is empty.
bool split_tag(std::string_view text, std::string &key, std::string &value);

// A connection id: decimal text of 1..2^64-1, no leading zero (as the server parses it).
bool valid_connection_id(std::string_view text);

// A decimal integer within [min, max].
bool parse_int(std::string_view text, long long min, long long max, long long &out);

} // namespace wshost::ctl
