// Out-of-tree C++ plugin using the installed plugin.hpp: action `hello_cpp`.
// std::to_string pulls in libstdc++'s unique-symbol candidates (LWS-NOTES T20);
// the export check proves -fno-gnu-unique reached this build.
#include <wshost/plugin.hpp>

#include <string>

namespace
{

struct HelloCpp {
    explicit HelloCpp(wshost::InitContext &ctx)
    {
        ctx.on("hello_cpp", [](const wshost::Request &req) {
            return wshost::reply_success("{\"conn\":\"" + std::to_string(req.conn) + "\"}");
        });
    }
};

} // namespace

WSHOST_PLUGIN(HelloCpp, "hello_cpp", "1.0.0")
