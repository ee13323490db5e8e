#include "transport/subprotocols.h"

#include "base/http_tokens.h"

#include <algorithm>

namespace wshost
{

SubprotocolChoice choose_subprotocol(std::string_view offered, const EndpointConfig &endpoint)
{
    SubprotocolChoice choice;
    const auto &listed = endpoint.subprotocols;
    http::for_each_element(offered, [&](std::string_view name) {
        if (choice.first_offered.empty())
            choice.first_offered = name;
        if (std::find(listed.begin(), listed.end(), name) == listed.end())
            return true;
        choice.selected = name;
        return false;
    });
    if (choice.selected.empty() && !listed.empty() && endpoint.subprotocol_required) {
        choice.status = 400;
        choice.reason = "no subprotocol of endpoint " + endpoint.path + " offered (it requires one of";
        for (const std::string &name : listed)
            choice.reason += " " + name;
        choice.reason += ")";
    }
    return choice;
}

} // namespace wshost
