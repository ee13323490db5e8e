// The authentication part of the plugin function table.
#include "plugins/host_api_internal.h"

#include "auth/auth.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace wshost::abi
{
namespace
{

AuthService *auth_of(wsh_host *host)
{
    return host->plugin->services().auth;
}

bool valid_text(wsh_str s, std::size_t max)
{
    return valid(s) && s.len > 0 && s.len <= max && !std::memchr(s.ptr, '\0', s.len);
}

} // namespace

int auth_register(wsh_host *host, wsh_auth_fn fn, void *user_data, const wsh_str *extra_headers,
                  size_t extra_headers_count) noexcept
{
    if (!known(host) || !fn || (!extra_headers && extra_headers_count))
        return WSH_E_INVALID;
    PluginSet *set = host->plugin->registering_into();
    if (!set)
        return WSH_E_STATE; // not inside init
    try {
        PluginAuthenticator a;
        a.fn = fn;
        a.user_data = user_data;
        for (size_t i = 0; i < extra_headers_count; ++i) {
            if (!valid_text(extra_headers[i], 128))
                return WSH_E_INVALID;
            std::string name(view(extra_headers[i]));
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            a.extra_headers.push_back(std::move(name));
        }
        return set->register_authenticator(*host->plugin, std::move(a));
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int auth_accept(wsh_host *host, wsh_auth_id id, wsh_str user_id, const wsh_tag *tags, size_t tags_count,
                wsh_str metadata_json) noexcept
{
    if (!known(host))
        return WSH_E_INVALID;
    AuthService *auth = auth_of(host);
    if (!auth)
        return WSH_E_GONE;
    if (!valid_name(user_id) || (!tags && tags_count) || !valid(metadata_json))
        return WSH_E_INVALID;
    try {
        Tags owned;
        for (size_t i = 0; i < tags_count; ++i) {
            if (!valid_name(tags[i].key) || !valid_name(tags[i].value))
                return WSH_E_INVALID;
            owned[std::string(view(tags[i].key))] = std::string(view(tags[i].value));
        }
        return auth->accept(id, std::string(view(user_id)), std::move(owned),
                            std::string(view(metadata_json)));
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int auth_reject(wsh_host *host, wsh_auth_id id, wsh_str reason) noexcept
{
    if (!known(host))
        return WSH_E_INVALID;
    AuthService *auth = auth_of(host);
    if (!auth)
        return WSH_E_GONE;
    if (!valid(reason))
        return WSH_E_INVALID;
    try {
        return auth->reject(id, std::string(view(reason)));
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

int auth_anonymous(wsh_host *host, wsh_auth_id id) noexcept
{
    if (!known(host))
        return WSH_E_INVALID;
    AuthService *auth = auth_of(host);
    if (!auth)
        return WSH_E_GONE;
    try {
        return auth->anonymous(id);
    } catch (...) {
        return WSH_E_NOMEM;
    }
}

} // namespace wshost::abi
