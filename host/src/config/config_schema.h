// The machinery behind the config tables (STYLE rule 5): a table is a list of
// keys, each with a reader that checks the TOML node's type and value and
// stores it into the struct. Unknown keys, wrong types and bad values become
// ConfigErrors with file:line:col; reading always goes on, so one load reports
// every error. The tables themselves live in config_tables.cpp.
#pragma once

#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshost::cfg
{

// One load: where the file is, and the errors found so far.
struct Ctx {
    std::string file;          // as given by the caller (used in messages)
    std::filesystem::path dir; // the config file's directory, absolute
    std::vector<ConfigError> errors;

    SourcePos pos(const toml::source_region &r) const;
    void error(const toml::source_region &r, std::string message);
    void error(const SourcePos &p, std::string message);
};

// A value check: "" when the value is valid, else the whole message.
using StringCheck = std::string (*)(std::string_view key, const std::string &value);

template <class T> struct Key {
    std::string_view name;
    std::function<void(Ctx &, std::string_view key, const toml::node &, T &)> read;
    // Set for keys holding tables: appends "prefix.key.sub" paths (for tests).
    std::function<void(const std::string &prefix, std::vector<std::string> &)> list = nullptr;
};

template <class T> struct TableSpec {
    std::string title;           // how messages name the table: "[server]"
    std::vector<Key<T>> keys;    // in documentation order
    SourcePos T::*pos = nullptr; // where to store the table's own position
    // Checks that span keys; runs after every key was read.
    std::function<void(Ctx &, const toml::table &, T &)> check = nullptr;

    void key_paths(const std::string &prefix, std::vector<std::string> &out) const
    {
        for (const auto &k : keys) {
            std::string path = prefix.empty() ? std::string(k.name) : prefix + "." + std::string(k.name);
            out.push_back(path);
            if (k.list)
                k.list(path, out);
        }
    }
};

// --- helpers (config_schema.cpp) ---------------------------------------------

std::string in_quotes(std::string_view s); // 'x'
std::string unknown_key_message(std::string_view key, std::string_view title,
                                const std::vector<std::string_view> &valid);
// The position of `key`'s value in `t`, or of `t` itself when the key is absent.
const toml::source_region &value_source(const toml::table &t, std::string_view key);

// Typed reads: report a type or range error and return nothing on failure.
std::optional<bool> get_bool(Ctx &, std::string_view key, const toml::node &);
std::optional<std::int64_t> get_int(Ctx &, std::string_view key, const toml::node &, std::int64_t lo,
                                    std::int64_t hi);
const std::string *get_string(Ctx &, std::string_view key, const toml::node &, StringCheck check);
std::optional<std::vector<std::string>> get_strings(Ctx &, std::string_view key, const toml::node &,
                                                    StringCheck each, bool non_empty);
const toml::table *get_table(Ctx &, std::string_view key, const toml::node &);

// Paths: relative -> against the config dir; stored absolute and normalised.
std::string resolve_path(const std::filesystem::path &dir, const std::string &p);
// Reads a secret file named by `node`'s string value; "" after an error.
// Never puts the file's content into a message. Only a regular file of at
// most kMaxSecretFileBytes is read (a FIFO would block, /dev/zero never end).
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
std::optional<std::string> read_secret_file(Ctx &, std::string_view key, const toml::node &);
// `a` and `b` exclusive, exactly one required.
void one_of(Ctx &, const toml::table &, std::string_view a, std::string_view b, std::string_view title);
void require(Ctx &, const toml::table &, std::string_view key, std::string_view title);

// Value checks.
std::string check_non_empty(std::string_view key, const std::string &v);
std::string check_ip_literal(std::string_view key, const std::string &v);
bool is_ip_literal(const std::string &v);

// --- reading a table ---------------------------------------------------------

template <class T> void read_table(Ctx &ctx, const toml::table &tbl, const TableSpec<T> &spec, T &out)
{
    if (spec.pos)
        out.*spec.pos = ctx.pos(tbl.source());
    for (auto &&[k, v] : tbl) {
        const Key<T> *key = nullptr;
        for (const auto &candidate : spec.keys)
            if (candidate.name == k.str()) {
                key = &candidate;
                break;
            }
        if (!key) {
            std::vector<std::string_view> valid;
            for (const auto &candidate : spec.keys)
                valid.push_back(candidate.name);
            ctx.error(k.source(), unknown_key_message(k.str(), spec.title, valid));
            continue;
        }
        key->read(ctx, k.str(), v, out);
    }
    if (spec.check)
        spec.check(ctx, tbl, out);
}

// --- key builders ------------------------------------------------------------

template <class T> Key<T> boolean(std::string_view name, bool T::*m)
{
    return {name, [m](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = get_bool(c, k, n))
                    o.*m = *v;
            }};
}

// An integer member (int or std::size_t) in [lo, hi]; hi defaults to the
// member type's maximum.
template <class T, class I>
Key<T> integer(std::string_view name, I T::*m, std::int64_t lo,
               std::int64_t hi = static_cast<std::int64_t>(std::min<std::uint64_t>(
                   std::numeric_limits<I>::max(), std::numeric_limits<std::int64_t>::max())))
{
    return {name, [m, lo, hi](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = get_int(c, k, n, lo, hi))
                    o.*m = static_cast<I>(*v);
            }};
}

template <class T> Key<T> string(std::string_view name, std::string T::*m, StringCheck check = nullptr)
{
    return {name, [m, check](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = get_string(c, k, n, check))
                    o.*m = *v;
            }};
}

// A file path; "" stays "" (meaning "unset"), anything else is resolved.
template <class T> Key<T> path(std::string_view name, std::string T::*m)
{
    return {name, [m](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = get_string(c, k, n, nullptr))
                    o.*m = v->empty() ? std::string() : resolve_path(c.dir, *v);
            }};
}

template <class T>
Key<T> strings(std::string_view name, std::vector<std::string> T::*m, StringCheck each = nullptr,
               bool non_empty = false)
{
    return {name, [m, each, non_empty](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = get_strings(c, k, n, each, non_empty))
                    o.*m = std::move(*v);
            }};
}

// An inline secret: non-empty, never echoed in a message.
template <class T> Key<T> secret(std::string_view name, std::string T::*m)
{
    return string(name, m, &check_non_empty);
}

// `NAME_file`: the secret read from a file into the same member.
template <class T> Key<T> secret_file(std::string_view name, std::string T::*m)
{
    return {name, [m](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                if (auto v = read_secret_file(c, k, n))
                    o.*m = std::move(*v);
            }};
}

// A string naming one of a fixed set of enum values.
template <class T, class E>
Key<T> choice(std::string_view name, E T::*m, std::vector<std::pair<std::string_view, E>> options)
{
    return {name, [m, options](Ctx &c, std::string_view k, const toml::node &n, T &o) {
                const std::string *v = get_string(c, k, n, nullptr);
                if (!v)
                    return;
                std::string names;
                for (const auto &[text, value] : options) {
                    if (text == *v) {
                        o.*m = value;
                        return;
                    }
                    names += names.empty() ? "" : ", ";
                    names += text;
                }
                c.error(n.source(),
                        in_quotes(k) + " must be one of " + names + " (got " + in_quotes(*v) + ")");
            }};
}

// A sub-table read with its own spec (which must outlive the key: a static).
template <class T, class S> Key<T> table(std::string_view name, S T::*m, const TableSpec<S> &spec)
{
    return {
        name,
        [m, &spec](Ctx &c, std::string_view k, const toml::node &n, T &o) {
            if (const toml::table *t = get_table(c, k, n))
                read_table(c, *t, spec, o.*m);
        },
        [&spec](const std::string &prefix, std::vector<std::string> &out) { spec.key_paths(prefix, out); }};
}

// An array of tables ([[name]] or name = [{...}, ...]).
template <class T, class S>
Key<T> table_array(std::string_view name, std::vector<S> T::*m, const TableSpec<S> &spec)
{
    return {
        name,
        [m, &spec](Ctx &c, std::string_view k, const toml::node &n, T &o) {
            const toml::array *a = n.as_array();
            if (!a) {
                c.error(n.source(), in_quotes(k) + " must be an array of tables");
                return;
            }
            for (const toml::node &e : *a) {
                const toml::table *t = e.as_table();
                if (!t) {
                    c.error(e.source(), in_quotes(k) + " must be an array of tables");
                    continue;
                }
                S item;
                read_table(c, *t, spec, item);
                (o.*m).push_back(std::move(item));
            }
        },
        [&spec](const std::string &prefix, std::vector<std::string> &out) { spec.key_paths(prefix, out); }};
}

// --- the schema (config_tables.cpp) ------------------------------------------

// Reads and checks the whole file's root table into `out`.
void read_config(Ctx &ctx, const toml::table &root, Config &out);
// Every key the schema knows, as dotted paths ("server.tls.enabled").
std::vector<std::string> key_paths();

} // namespace wshost::cfg
