#include "cluster/channels.h"

namespace wshost::cluster
{
namespace
{

std::string escape_tag_key(std::string_view key)
{
    std::string out;
    for (char c : key) {
        if (c == '%')
            out += "%25";
        else if (c == '=')
            out += "%3D";
        else
            out += c;
    }
    return out;
}

std::optional<std::string> unescape_tag_key(std::string_view key)
{
    std::string out;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (key[i] != '%') {
            out += key[i];
            continue;
        }
        const std::string_view code = key.substr(i + 1, 2);
        if (code == "25")
            out += '%';
        else if (code == "3D")
            out += '=';
        else
            return std::nullopt; // only what tag() writes
        i += 2;
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view head)
{
    return s.substr(0, head.size()) == head;
}

} // namespace

std::string ClusterNames::join(std::string_view kind, std::string_view rest) const
{
    std::string out;
    out.reserve(prefix_.size() + 1 + kind.size() + rest.size());
    out.append(prefix_).append(":").append(kind).append(rest);
    return out;
}

std::string ClusterNames::tag(std::string_view key, std::string_view value) const
{
    return join("tag:", escape_tag_key(key) + "=" + std::string(value));
}

std::string ClusterNames::channel(const Channel &c) const
{
    switch (c.kind) {
    case ChannelKind::user:
        return user(c.name);
    case ChannelKind::room:
        return room(c.name);
    case ChannelKind::tag:
        return tag(c.name, c.value);
    case ChannelKind::all:
        return all();
    case ChannelKind::node:
        return node(c.name);
    }
    return {};
}

std::optional<Channel> ClusterNames::parse(std::string_view channel) const
{
    if (!starts_with(channel, prefix_) || channel.substr(prefix_.size(), 1) != ":")
        return std::nullopt;
    const std::string_view rest = channel.substr(prefix_.size() + 1);
    if (rest == "all")
        return Channel{ChannelKind::all, "", ""};
    struct Kind {
        std::string_view head;
        ChannelKind kind;
    };
    for (const Kind k : {Kind{"user:", ChannelKind::user}, Kind{"room:", ChannelKind::room},
                         Kind{"node:", ChannelKind::node}})
        if (starts_with(rest, k.head) && rest.size() > k.head.size())
            return Channel{k.kind, std::string(rest.substr(k.head.size())), ""};
    if (starts_with(rest, "tag:")) {
        const std::string_view pair = rest.substr(4);
        const std::size_t eq = pair.find('=');
        if (eq == 0 || eq == std::string_view::npos || eq + 1 == pair.size())
            return std::nullopt;
        std::optional<std::string> key = unescape_tag_key(pair.substr(0, eq));
        if (!key)
            return std::nullopt;
        return Channel{ChannelKind::tag, std::move(*key), std::string(pair.substr(eq + 1))};
    }
    return std::nullopt;
}

} // namespace wshost::cluster
