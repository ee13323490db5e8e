// The v1 layout, checked by a C++20 compiler, and WSH_API_HAS. See
// layout_asserts.h and api_has_checks.h.
#include "api_has_checks.h"
#include "layout_asserts.h"

#include <cstdio>
#include <type_traits>

// The ABI structs must stay plain C data on the C++ side too.
template <class... T>
constexpr bool plain_c_data = ((std::is_standard_layout_v<T> && std::is_trivial_v<T>)&&...);
static_assert(plain_c_data<wsh_str, wsh_request, wsh_event, wsh_tag, wsh_target, wsh_receipt, wsh_conn_info,
                           wsh_host_api, wsh_init_args, wsh_plugin_def>);
static_assert(std::is_same_v<decltype(wsh_plugin_def::struct_size), uint32_t>);
static_assert(std::is_same_v<wsh_plugin_entry_fn, const wsh_plugin_def *(*)()>);

int main()
{
    constexpr wsh_plugin_def def = WSH_PLUGIN_DEF_INIT("x", "1", nullptr, nullptr);
    static_assert(def.struct_size == sizeof(wsh_plugin_def));
    if (api_has_failures() != 0)
        return 1;
    if (!WSH_LAYOUT_PINNED) {
        std::puts("SKIP: the v1 layout is pinned on x86-64 only, not on this architecture");
        return 77;
    }
    std::puts("v1 layout pinned (C++20)");
    return 0;
}
