// The config loader: TOML text -> toml++ -> the schema (config_tables.cpp),
// with every check, error position and *_file secret read. The "file" sits in
// an empty private directory, so relative secret files are simply missing;
// absolute ones are read only when they are small regular files.
#include "config/config.h"
#include "fuzz_common.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace wshost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    static const std::string path = [] {
        std::string tmpl = (std::filesystem::temp_directory_path() / "wshost-fuzz-config-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            std::abort();
        return tmpl + "/fuzz.toml";
    }();
    ConfigLoad r = load_config_text(std::string(reinterpret_cast<const char *>(data), size), path);
    FUZZ_CHECK(r.config.has_value() == r.errors.empty());
    for (const ConfigError &e : r.errors) {
        FUZZ_CHECK(!e.message.empty());
        FUZZ_CHECK(e.pos.line >= 0 && e.pos.col >= 0);
        FUZZ_CHECK(e.format().rfind(path, 0) == 0);
    }
    if (r.config) {
        const Config &c = *r.config;
        FUZZ_CHECK(c.server.port >= 0 && c.server.port <= 65535);
        FUZZ_CHECK(!c.server.path.empty() && c.server.path[0] == '/');
        FUZZ_CHECK(c.server.max_header_bytes >= 1024 && c.server.max_header_bytes <= 57344);
        FUZZ_CHECK(!c.server.tls.enabled ||
                   (!c.server.tls.cert_file.empty() && !c.server.tls.key_file.empty()));
        FUZZ_CHECK(!c.control.tls.enabled || c.control.socket.empty());
        for (const PluginConfig &p : c.plugins)
            FUZZ_CHECK(!p.name.empty() && !p.resolved.empty() && p.resolved[0] == '/');
    }
    return 0;
}
