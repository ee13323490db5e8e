/*
 * WSH_API_HAS / WSH_STRUCT_HAS against tables and structs cut at known sizes,
 * as a host or plugin of an older minor version would hand them over. Shared
 * by layout_c.c (C99, -pedantic-errors) and layout_cpp.cpp (C++20), so the
 * macros are proven to compile, and to answer right, in both languages.
 */
#ifndef WSHOST_TESTS_ABI_API_HAS_CHECKS_H
#define WSHOST_TESTS_ABI_API_HAS_CHECKS_H

#include <wshost/plugin.h>

#include <stdio.h>
#include <string.h>

#define API_HAS_EXPECT(cond)                                                                                 \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                              \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

/* Returns how many checks failed (0: all good), each one printed. */
static int api_has_failures(void)
{
    int failures = 0;
    wsh_host_api api;
    wsh_conn_info info;
    const wsh_host_api *p = &api;
    memset(&api, 0, sizeof api);
    memset(&info, 0, sizeof info);

    /* A full table has every member, the first and the last. */
    api.struct_size = (uint32_t)sizeof api;
    API_HAS_EXPECT(WSH_API_HAS(p, register_action));
    API_HAS_EXPECT(WSH_API_HAS(p, auth_anonymous));

    /* A table that ends right after auth_accept: a shorter, older host. */
    api.struct_size = (uint32_t)(offsetof(wsh_host_api, auth_accept) + sizeof api.auth_accept);
    API_HAS_EXPECT(WSH_API_HAS(p, auth_accept));
    API_HAS_EXPECT(!WSH_API_HAS(p, auth_reject));
    API_HAS_EXPECT(!WSH_API_HAS(p, auth_anonymous));

    /* One byte short of a member: that member is missing. */
    api.struct_size = (uint32_t)(offsetof(wsh_host_api, leave_room) + sizeof api.leave_room - 1);
    API_HAS_EXPECT(WSH_API_HAS(p, join_room));
    API_HAS_EXPECT(!WSH_API_HAS(p, leave_room));

    /* A struct_size of 0 (a zeroed struct) has nothing, not even the size. */
    api.struct_size = 0;
    API_HAS_EXPECT(!WSH_API_HAS(p, struct_size));
    API_HAS_EXPECT(!WSH_API_HAS(p, register_action));

    /* The same for any struct with a size field, e.g. wsh_conn_info. */
    info.struct_size = (uint32_t)offsetof(wsh_conn_info, dropped);
    API_HAS_EXPECT(WSH_STRUCT_HAS(wsh_conn_info, &info, queued_bytes_peak));
    API_HAS_EXPECT(!WSH_STRUCT_HAS(wsh_conn_info, &info, dropped));
    info.struct_size = (uint32_t)sizeof info;
    API_HAS_EXPECT(WSH_STRUCT_HAS(wsh_conn_info, &info, dropped));
    return failures;
}

#endif /* WSHOST_TESTS_ABI_API_HAS_CHECKS_H */
