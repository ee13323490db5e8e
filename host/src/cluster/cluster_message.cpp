#include "cluster/cluster_message.h"

#include <charconv>

namespace wshost::cluster
{
namespace
{

constexpr std::string_view kKinds[] = {"connection", "user", "users", "room", "tags", "all"};

void put(std::string &out, std::string_view field)
{
    out += std::to_string(field.size());
    out += ':';
    out += field;
    out += ',';
}

void put_number(std::string &out, std::uint64_t n)
{
    put(out, std::to_string(n));
}

class Reader
{
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool done() const { return in_.empty(); }

    std::optional<std::string_view> field()
    {
        const std::size_t colon = in_.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon > 20)
            return std::nullopt;
        std::optional<std::uint64_t> len = number(in_.substr(0, colon));
        if (!len || *len > in_.size() - colon - 1 || in_.size() - colon - 1 - *len < 1 ||
            in_[colon + 1 + *len] != ',')
            return std::nullopt;
        std::string_view f = in_.substr(colon + 1, *len);
        in_.remove_prefix(colon + 2 + *len);
        return f;
    }
    std::optional<std::uint64_t> number_field()
    {
        std::optional<std::string_view> f = field();
        return f ? number(*f) : std::nullopt;
    }
    // A count no larger than the fields left could hold (each takes >= 3 bytes).
    std::optional<std::size_t> count_field(std::size_t per_entry)
    {
        std::optional<std::uint64_t> n = number_field();
        if (!n || *n > kMaxListEntries || *n * 3 * per_entry > in_.size())
            return std::nullopt;
        return static_cast<std::size_t>(*n);
    }

    // Canonical decimal: digits only, no leading zero (but "0"), no overflow.
    static std::optional<std::uint64_t> number(std::string_view s)
    {
        if (s.empty() || (s.size() > 1 && s[0] == '0'))
            return std::nullopt;
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size())
            return std::nullopt;
        return v;
    }

  private:
    std::string_view in_;
};

std::optional<ClusterMessage> fail(std::string &why, const char *what)
{
    why = what;
    return std::nullopt;
}

} // namespace

std::string_view target_kind_name(TargetKind kind)
{
    return kKinds[static_cast<int>(kind)];
}

std::string encode_cluster_message(const ClusterMessage &m)
{
    std::string out(kClusterMessageMagic);
    out.reserve(64 + m.origin.size() + m.payload.size());
    put(out, m.origin);
    put_number(out, m.seq);
    put(out, target_kind_name(m.kind));
    put(out, m.binary ? "binary" : "text");
    switch (m.kind) {
    case TargetKind::connection:
        put_number(out, m.connections.size());
        for (std::uint64_t id : m.connections)
            put_number(out, id);
        break;
    case TargetKind::tags:
        put_number(out, m.tags.size());
        for (const auto &[k, v] : m.tags) {
            put(out, k);
            put(out, v);
        }
        break;
    case TargetKind::all:
        put_number(out, 0);
        break;
    default:
        put_number(out, m.names.size());
        for (const std::string &n : m.names)
            put(out, n);
    }
    put_number(out, m.except_users.size());
    for (const std::string &u : m.except_users)
        put(out, u);
    put_number(out, m.except_connections.size());
    for (std::uint64_t id : m.except_connections)
        put_number(out, id);
    put(out, m.payload);
    return out;
}

std::optional<ClusterMessage> decode_cluster_message(std::string_view bytes, std::string &why)
{
    if (bytes.substr(0, kClusterMessageMagic.size()) != kClusterMessageMagic)
        return fail(why, "not a wshost cluster message (wsh1)");
    Reader r(bytes.substr(kClusterMessageMagic.size()));
    ClusterMessage m;
    std::optional<std::string_view> origin = r.field();
    std::optional<std::uint64_t> seq = origin ? r.number_field() : std::nullopt;
    std::optional<std::string_view> kind = seq ? r.field() : std::nullopt;
    std::optional<std::string_view> opcode = kind ? r.field() : std::nullopt;
    if (!opcode)
        return fail(why, "bad header field");
    if (origin->empty())
        return fail(why, "empty origin");
    m.origin = std::string(*origin);
    m.seq = *seq;
    bool known = false;
    for (int i = 0; i < 6; ++i)
        if (*kind == kKinds[i]) {
            m.kind = static_cast<TargetKind>(i);
            known = true;
        }
    if (!known)
        return fail(why, "unknown target kind");
    if (*opcode != "text" && *opcode != "binary")
        return fail(why, "unknown opcode");
    m.binary = *opcode == "binary";

    std::optional<std::size_t> n = r.count_field(m.kind == TargetKind::tags ? 2 : 1);
    if (!n)
        return fail(why, "bad target count");
    for (std::size_t i = 0; i < *n; ++i) {
        if (m.kind == TargetKind::connection) {
            std::optional<std::uint64_t> id = r.number_field();
            if (!id)
                return fail(why, "bad connection id");
            m.connections.push_back(*id);
        } else if (m.kind == TargetKind::tags) {
            std::optional<std::string_view> k = r.field();
            std::optional<std::string_view> v = k ? r.field() : std::nullopt;
            if (!v || k->empty() || v->empty())
                return fail(why, "bad tag pair");
            m.tags.emplace_back(*k, *v);
        } else {
            std::optional<std::string_view> name = r.field();
            if (!name || name->empty())
                return fail(why, "bad target name");
            m.names.emplace_back(*name);
        }
    }
    const std::size_t targets = *n;
    const bool one =
        m.kind == TargetKind::connection || m.kind == TargetKind::user || m.kind == TargetKind::room;
    if ((one && targets != 1) || (m.kind == TargetKind::all && targets != 0) ||
        ((m.kind == TargetKind::users || m.kind == TargetKind::tags) && targets == 0))
        return fail(why, "wrong number of targets for the kind");

    std::optional<std::size_t> users = r.count_field(1);
    if (!users)
        return fail(why, "bad excluded user count");
    for (std::size_t i = 0; i < *users; ++i) {
        std::optional<std::string_view> u = r.field();
        if (!u || u->empty())
            return fail(why, "bad excluded user");
        m.except_users.emplace_back(*u);
    }
    std::optional<std::size_t> conns = r.count_field(1);
    if (!conns)
        return fail(why, "bad excluded connection count");
    for (std::size_t i = 0; i < *conns; ++i) {
        std::optional<std::uint64_t> id = r.number_field();
        if (!id)
            return fail(why, "bad excluded connection id");
        m.except_connections.push_back(*id);
    }
    std::optional<std::string_view> payload = r.field();
    if (!payload)
        return fail(why, "bad payload");
    if (!r.done())
        return fail(why, "bytes after the payload");
    m.payload = std::string(*payload);
    return m;
}

SenderSequence::Seen SenderSequence::observe(const std::string &origin, std::uint64_t seq)
{
    auto [it, first] = last_.try_emplace(origin, seq);
    if (first)
        return Seen::next; // the first seen of a sender: what came before is not ours to miss
    if (seq <= it->second)
        return Seen::old;
    const bool gap = seq != it->second + 1;
    it->second = seq;
    return gap ? Seen::gap : Seen::next;
}

} // namespace wshost::cluster
