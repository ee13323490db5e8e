/* The v1 layout, checked by a C99 compiler (-std=c99 -pedantic-errors: this
 * also proves plugin.h is strict C99), and WSH_API_HAS. See layout_asserts.h
 * and api_has_checks.h. */
#include "api_has_checks.h"
#include "layout_asserts.h"

#include <stdio.h>

int main(void)
{
    wsh_plugin_def def = WSH_PLUGIN_DEF_INIT("x", "1", NULL, NULL);
    wsh_str s = WSH_STR("abc");
    if (def.struct_size != sizeof(wsh_plugin_def) || def.abi_major != WSH_ABI_MAJOR ||
        def.abi_minor != WSH_ABI_MINOR || s.len != 3) {
        fputs("WSH_PLUGIN_DEF_INIT / WSH_STR broken\n", stderr);
        return 1;
    }
    if (api_has_failures() != 0)
        return 1;
    if (!WSH_LAYOUT_PINNED) {
        puts("SKIP: the v1 layout is pinned on x86-64 only, not on this architecture");
        return 77; /* SKIP_RETURN_CODE */
    }
    puts("v1 layout pinned (C99)");
    return 0;
}
