#include "args.h"

#include <charconv>
#include <cstdint>

namespace wshost::ctl
{

bool ParsedArgs::has(std::string_view name) const
{
    for (const auto &[k, v] : options)
        if (k == name)
            return true;
    return false;
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const
{
    std::optional<std::string> found;
    for (const auto &[k, v] : options)
        if (k == name)
            found = v;
    return found;
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const
{
    std::vector<std::string> out;
    for (const auto &[k, v] : options)
        if (k == name)
            out.push_back(v);
    return out;
}

bool parse_args(std::span<const std::string> words, std::span<const OptionSpec> spec, ParsedArgs &out,
                std::string &error)
{
    out = ParsedArgs{};
    bool options_done = false;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string &word = words[i];
        if (options_done || word.size() < 2 || word[0] != '-') {
            out.positionals.push_back(word);
            continue;
        }
        if (word == "--") {
            options_done = true;
            continue;
        }
        std::string_view name = word;
        std::optional<std::string> inline_value;
        if (size_t eq = name.find('='); eq != std::string_view::npos && name.starts_with("--")) {
            inline_value = std::string(name.substr(eq + 1));
            name = name.substr(0, eq);
        }
        const OptionSpec *match = nullptr;
        for (const OptionSpec &s : spec)
            if (s.name == name)
                match = &s;
        if (!match) {
            error = "unknown option '" + std::string(name) + "'";
            if (!spec.empty()) {
                error += " (valid:";
                for (const OptionSpec &s : spec)
                    error += " " + std::string(s.name);
                error += ")";
            }
            if (spec.empty() || !name.starts_with("--"))
                error += "; put '--' before an argument that starts with '-'";
            return false;
        }
        if (!match->repeatable && out.has(name)) {
            error = std::string(name) + " given twice";
            return false;
        }
        std::string value;
        if (match->takes_value) {
            if (inline_value) {
                value = *inline_value;
            } else if (i + 1 < words.size()) {
                value = words[++i];
            } else {
                error = std::string(name) + " needs a value";
                return false;
            }
        } else if (inline_value) {
            error = std::string(name) + " takes no value";
            return false;
        }
        out.options.emplace_back(std::string(name), std::move(value));
    }
    return true;
}

bool split_list(std::string_view text, std::vector<std::string> &out)
{
    for (;;) {
        size_t comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        if (item.empty())
            return false;
        out.emplace_back(item);
        if (comma == std::string_view::npos)
            return true;
        text.remove_prefix(comma + 1);
    }
}

bool split_tag(std::string_view text, std::string &key, std::string &value)
{
    size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return false;
    key = text.substr(0, eq);
    value = text.substr(eq + 1);
    return true;
}

bool valid_connection_id(std::string_view text)
{
    if (text.empty() || text.size() > 20 || text[0] == '0') // ids start at 1, no leading zeros
        return false;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size();
}

bool parse_int(std::string_view text, long long min, long long max, long long &out)
{
    long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        return false;
    out = value;
    return true;
}

} // namespace wshost::ctl
