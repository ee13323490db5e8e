// load_config(): read the file, parse it with toml++, hand the root table to
// the schema (config_tables.cpp), and return every error sorted by position.
#include "config/config.h"
#include "config/config_schema.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace wshost
{

std::string ConfigError::format() const
{
    return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + message;
}

const EndpointConfig *endpoint_for(const Config &config, std::string_view path)
{
    for (const EndpointConfig &e : config.endpoints)
        if (e.path == path)
            return &e;
    return nullptr;
}

ConfigLoad load_config(const std::string &path)
{
    ConfigLoad result;
    try {
        // Read the file ourselves: a clear message for a missing file, and
        // toml::parse_file's "could not be opened" carries no errno.
        std::error_code ec;
        errno = 0;
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        if (in)
            text << in.rdbuf();
        if (!in || in.bad() || std::filesystem::is_directory(path, ec)) {
            const int e = errno;
            const char *why = std::filesystem::is_directory(path, ec) ? "is a directory"
                              : e                                     ? std::strerror(e)
                                                                      : "read error";
            result.errors.push_back({SourcePos{path, 0, 0}, std::string("cannot read config file: ") + why});
            return result;
        }
        return load_config_text(std::move(text).str(), path);
    } catch (const std::exception &e) { // bad_alloc, filesystem errors: never throw out of here
        result.config.reset();
        result.errors.push_back({SourcePos{path, 0, 0}, std::string("cannot load config: ") + e.what()});
    }
    return result;
}

ConfigLoad load_config_text(std::string text, const std::string &path)
{
    ConfigLoad result;
    try {
        cfg::Ctx ctx;
        ctx.file = path;
        std::error_code ec;
        std::filesystem::path abs = std::filesystem::absolute(path, ec);
        ctx.dir = cfg::resolve_path("/", (ec ? std::filesystem::path(path) : abs).parent_path().string());

        toml::table root;
        try {
            root = toml::parse(std::move(text), std::string_view{path});
        } catch (const toml::parse_error &e) {
            result.errors.push_back({ctx.pos(e.source()), std::string(e.description())});
            return result;
        }

        Config config;
        config.file = path;
        config.dir = ctx.dir.string();
        cfg::read_config(ctx, root, config);
        if (ctx.errors.empty()) {
            result.config = std::move(config);
        } else {
            std::stable_sort(
                ctx.errors.begin(), ctx.errors.end(), [](const ConfigError &a, const ConfigError &b) {
                    return a.pos.line != b.pos.line ? a.pos.line < b.pos.line : a.pos.col < b.pos.col;
                });
            result.errors = std::move(ctx.errors);
        }
    } catch (const std::exception &e) { // bad_alloc, filesystem errors: never throw out of here
        result.config.reset();
        result.errors.push_back({SourcePos{path, 0, 0}, std::string("cannot load config: ") + e.what()});
    }
    return result;
}

} // namespace wshost
