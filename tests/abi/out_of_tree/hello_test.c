/* Unit test of hello.c with the test kit: ./hello_test path/to/hello.so */
#include <wshost/testkit.h>

int main(int argc, char **argv)
{
    wsh_testkit *kit = wsh_testkit_new();
    wsh_testkit_reply reply;
    if (argc < 2 || wsh_testkit_load(kit, argv[1], "hello", "{}") != WSH_OK)
        return 1;
    wsh_conn_id alice = wsh_testkit_connect(kit, "alice", NULL, 0);
    wsh_testkit_call(kit, alice, "hello", "{}", &reply);
    int ok = reply.kind == WSH_TESTKIT_REPLY_SUCCESS &&
             wsh_testkit_str_eq(reply.payload, "{\"greeting\":\"hello\"}");
    wsh_testkit_free(kit);
    return ok ? 0 : 1;
}
