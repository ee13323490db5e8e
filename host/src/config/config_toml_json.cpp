// TOML -> JSON text (see config_toml_json.h).
#include "config/config_toml_json.h"

#include "base/json_writer.h"

#include <charconv>
#include <cmath>
#include <sstream>

namespace wshost::cfg
{

namespace
{

template <class T> void append_streamed(std::string &out, const T &value)
{
    std::ostringstream s;
    s << value;
    append_json_string(out, s.str());
}

void append_double(std::string &out, double d)
{
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    out += text;
    // Keep it a float for readers that tell 1 from 1.0.
    if (text.find_first_of(".e") == std::string_view::npos)
        out += ".0";
}

void append(std::string &out, const toml::node &n, const JsonErrorFn &on_error)
{
    switch (n.type()) {
    case toml::node_type::table: {
        out += '{';
        bool first = true;
        for (auto &&[k, v] : *n.as_table()) {
            if (!first)
                out += ',';
            first = false;
            append_json_string(out, k.str());
            out += ':';
            append(out, v, on_error);
        }
        out += '}';
        break;
    }
    case toml::node_type::array: {
        out += '[';
        bool first = true;
        for (const toml::node &e : *n.as_array()) {
            if (!first)
                out += ',';
            first = false;
            append(out, e, on_error);
        }
        out += ']';
        break;
    }
    case toml::node_type::string:
        append_json_string(out, n.as_string()->get());
        break;
    case toml::node_type::integer:
        out += std::to_string(n.as_integer()->get());
        break;
    case toml::node_type::floating_point: {
        const double d = n.as_floating_point()->get();
        if (std::isfinite(d)) {
            append_double(out, d);
        } else {
            if (on_error)
                on_error(n, std::string(std::isnan(d) ? "nan" : "inf") + " cannot be represented in JSON");
            out += "null";
        }
        break;
    }
    case toml::node_type::boolean:
        out += n.as_boolean()->get() ? "true" : "false";
        break;
    case toml::node_type::date:
        append_streamed(out, n.as_date()->get());
        break;
    case toml::node_type::time:
        append_streamed(out, n.as_time()->get());
        break;
    case toml::node_type::date_time:
        append_streamed(out, n.as_date_time()->get());
        break;
    case toml::node_type::none:
        out += "null";
        break;
    }
}

} // namespace

std::string toml_to_json(const toml::node &node, const JsonErrorFn &on_error)
{
    std::string out;
    append(out, node, on_error);
    return out;
}

} // namespace wshost::cfg
