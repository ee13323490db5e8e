// Typed reads, value checks, paths and secret files for the config tables.
#include "config/config_schema.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wshost::cfg
{

namespace fs = std::filesystem;

SourcePos Ctx::pos(const toml::source_region &r) const
{
    return SourcePos{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

void Ctx::error(const toml::source_region &r, std::string message)
{
    error(pos(r), std::move(message));
}

void Ctx::error(const SourcePos &p, std::string message)
{
    errors.push_back(ConfigError{p, std::move(message)});
}

std::string in_quotes(std::string_view s)
{
    return "'" + std::string(s) + "'";
}

std::string unknown_key_message(std::string_view key, std::string_view title,
                                const std::vector<std::string_view> &valid)
{
    std::string m = "unknown key " + in_quotes(key) + " in " + std::string(title) + "; valid keys: ";
    for (std::size_t i = 0; i < valid.size(); ++i) {
        if (i)
            m += ", ";
        m += valid[i];
    }
    return m;
}

const toml::source_region &value_source(const toml::table &t, std::string_view key)
{
    const toml::node *n = t.get(key);
    return n ? n->source() : t.source();
}

std::optional<bool> get_bool(Ctx &c, std::string_view key, const toml::node &n)
{
    if (const auto *v = n.as_boolean())
        return v->get();
    c.error(n.source(), in_quotes(key) + " must be a boolean");
    return std::nullopt;
}

std::optional<std::int64_t> get_int(Ctx &c, std::string_view key, const toml::node &n, std::int64_t lo,
                                    std::int64_t hi)
{
    const auto *v = n.as_integer();
    if (!v) {
        c.error(n.source(), in_quotes(key) + " must be an integer");
        return std::nullopt;
    }
    const std::int64_t x = v->get();
    if (x >= lo && x <= hi)
        return x;
    std::string why;
    if (hi < std::numeric_limits<std::int32_t>::max())
        why = "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    else if (x > hi)
        why = "must be at most " + std::to_string(hi);
    else if (lo == 0)
        why = "must not be negative";
    else if (lo == 1)
        why = "must be greater than 0";
    else
        why = "must be at least " + std::to_string(lo);
    c.error(n.source(), in_quotes(key) + " " + why);
    return std::nullopt;
}

const std::string *get_string(Ctx &c, std::string_view key, const toml::node &n, StringCheck check)
{
    const auto *v = n.as_string();
    if (!v) {
        c.error(n.source(), in_quotes(key) + " must be a string");
        return nullptr;
    }
    if (check) {
        std::string why = check(key, v->get());
        if (!why.empty()) {
            c.error(n.source(), std::move(why));
            return nullptr;
        }
    }
    return &v->get();
}

std::optional<std::vector<std::string>> get_strings(Ctx &c, std::string_view key, const toml::node &n,
                                                    StringCheck each, bool non_empty)
{
    const toml::array *a = n.as_array();
    if (!a) {
        c.error(n.source(), in_quotes(key) + " must be an array of strings");
        return std::nullopt;
    }
    if (non_empty && a->empty()) {
        c.error(n.source(), in_quotes(key) + " must not be empty");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const toml::node &e : *a) {
        const auto *s = e.as_string();
        if (!s) {
            c.error(e.source(), in_quotes(key) + " must be an array of strings");
            ok = false;
            continue;
        }
        if (each) {
            std::string why = each(key, s->get());
            if (!why.empty()) {
                c.error(e.source(), std::move(why));
                ok = false;
                continue;
            }
        }
        out.push_back(s->get());
    }
    if (!ok)
        return std::nullopt;
    return out;
}

const toml::table *get_table(Ctx &c, std::string_view key, const toml::node &n)
{
    if (const toml::table *t = n.as_table())
        return t;
    c.error(n.source(), in_quotes(key) + " must be a table");
    return nullptr;
}

std::string resolve_path(const fs::path &dir, const std::string &p)
{
    fs::path q(p);
    if (q.is_relative())
        q = dir / q;
    q = q.lexically_normal();
    if (!q.has_filename() && q.has_relative_path()) // "/a/b/" -> "/a/b"
        q = q.parent_path();
    return q.string();
}

std::optional<std::string> read_secret_file(Ctx &c, std::string_view key, const toml::node &n)
{
    const std::string *name = get_string(c, key, n, &check_non_empty);
    if (!name)
        return std::nullopt;
    const std::string full = resolve_path(c.dir, *name);
    const std::string where = in_quotes(key) + ": ";
    std::error_code ec;
    if (fs::is_directory(full, ec)) {
        c.error(n.source(), where + "cannot read " + in_quotes(full) + ": is a directory");
        return std::nullopt;
    }
    // A FIFO would block the open (and a reload with it), a device such as
    // /dev/zero would never end: regular files only, and bounded.
    if (fs::file_status st = fs::status(full, ec); !ec && fs::exists(st) && !fs::is_regular_file(st)) {
        c.error(n.source(), where + "cannot read " + in_quotes(full) + ": not a regular file");
        return std::nullopt;
    }
    errno = 0;
    std::ifstream in(full, std::ios::binary);
    if (!in) {
        const int e = errno;
        c.error(n.source(),
                where + "cannot read " + in_quotes(full) + ": " + (e ? std::strerror(e) : "open failed"));
        return std::nullopt;
    }
    std::string s(kMaxSecretFileBytes + 1, '\0');
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    if (in.bad()) {
        c.error(n.source(), where + "cannot read " + in_quotes(full) + ": read error");
        return std::nullopt;
    }
    s.resize(static_cast<std::size_t>(in.gcount()));
    if (s.size() > kMaxSecretFileBytes) {
        c.error(n.source(), where + in_quotes(full) + " is larger than " +
                                std::to_string(kMaxSecretFileBytes) + " bytes: not a secret");
        return std::nullopt;
    }
    // Strip one trailing newline (LF or CRLF): editors add one; secrets rarely end in one.
    if (!s.empty() && s.back() == '\n') {
        s.pop_back();
        if (!s.empty() && s.back() == '\r')
            s.pop_back();
    }
    if (s.empty()) {
        c.error(n.source(), where + in_quotes(full) + " is empty");
        return std::nullopt;
    }
    return s;
}

void one_of(Ctx &c, const toml::table &t, std::string_view a, std::string_view b, std::string_view title)
{
    const bool has_a = t.contains(a), has_b = t.contains(b);
    if (has_a && has_b)
        c.error(value_source(t, b), in_quotes(a) + " and " + in_quotes(b) + " are mutually exclusive");
    else if (!has_a && !has_b)
        c.error(t.source(), "missing " + in_quotes(a) + " or " + in_quotes(b) + " in " + std::string(title));
}

void require(Ctx &c, const toml::table &t, std::string_view key, std::string_view title)
{
    if (!t.contains(key))
        c.error(t.source(), "missing required key " + in_quotes(key) + " in " + std::string(title));
}

std::string check_non_empty(std::string_view key, const std::string &v)
{
    return v.empty() ? in_quotes(key) + " must not be empty" : std::string();
}

bool is_ip_literal(const std::string &v)
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (v.find('\0') != std::string::npos)
        return false;
    return inet_pton(AF_INET, v.c_str(), buf) == 1 || inet_pton(AF_INET6, v.c_str(), buf) == 1;
}

std::string check_ip_literal(std::string_view key, const std::string &v)
{
    if (is_ip_literal(v))
        return {};
    return in_quotes(key) +
           " must be an IPv4 or IPv6 literal such as 127.0.0.1 or ::1; host names are not resolved (got " +
           in_quotes(v) + ")";
}

} // namespace wshost::cfg
