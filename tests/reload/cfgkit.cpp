// cfgkit — a reload test plugin that opts into lighter reloads
// (wsh_plugin_def.reload, through the C++ wrapper's `reload` member).
//
// Action "<name>.get" answers
//   {"greeting":"...","instance":"<random per init>","reloads":N,"version":"..."}
// so that a test can tell an instance kept across a reload (same `instance`,
// `reloads` grown) from a fresh copy (new `instance`, reloads 0).
//
// [plugin.config]: greeting = "..." (default "hello"); refuse_reload = true
// makes the reload that brings this config throw: the old config stays.
// Built as "cfgkit" v1 and v2 (different bytes, same name) and "cfgkit_b".
#include <wshost/plugin.hpp>

#include <cjson/cJSON.h>

#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

#ifndef CFGKIT_NAME
#define CFGKIT_NAME "cfgkit"
#endif
#ifndef CFGKIT_VERSION
#define CFGKIT_VERSION "v1"
#endif

namespace
{

struct Settings {
    std::string greeting = "hello";
    bool refuse_reload = false;
};

Settings parse_settings(std::string_view text)
{
    const std::string buf(text);
    std::unique_ptr<cJSON, void (*)(cJSON *)> json(
        cJSON_ParseWithLengthOpts(buf.c_str(), buf.size() + 1, nullptr, 1), cJSON_Delete);
    if (!cJSON_IsObject(json.get()))
        throw std::runtime_error("config is not a JSON object");
    Settings s;
    if (const cJSON *g = cJSON_GetObjectItemCaseSensitive(json.get(), "greeting")) {
        if (!cJSON_IsString(g))
            throw std::runtime_error("'greeting' must be a string");
        s.greeting = g->valuestring;
    }
    s.refuse_reload = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(json.get(), "refuse_reload"));
    return s;
}

std::string json_string(const std::string &text)
{
    std::unique_ptr<cJSON, void (*)(cJSON *)> item(cJSON_CreateString(text.c_str()), cJSON_Delete);
    std::unique_ptr<char, void (*)(void *)> out(item ? cJSON_PrintUnformatted(item.get()) : nullptr,
                                                cJSON_free);
    return out ? out.get() : "\"\"";
}

class CfgKit
{
  public:
    explicit CfgKit(wshost::InitContext &ctx)
        : settings_(parse_settings(ctx.config_json())), instance_(std::to_string(std::random_device{}()))
    {
        ctx.on(CFGKIT_NAME ".get", [this](const wshost::Request &) { return get(); });
    }

    // Runs on the reload thread, maybe while get() runs: swap under the lock.
    void reload(std::string_view config_json)
    {
        Settings next = parse_settings(config_json);
        std::lock_guard lock(mu_);
        ++reloads_;
        if (next.refuse_reload)
            throw std::runtime_error("refuse_reload is set");
        settings_ = std::move(next);
    }

  private:
    wshost::Reply get()
    {
        std::lock_guard lock(mu_);
        return wshost::reply_success("{\"greeting\":" + json_string(settings_.greeting) + ",\"instance\":\"" +
                                     instance_ + "\",\"reloads\":" + std::to_string(reloads_) +
                                     ",\"version\":\"" CFGKIT_VERSION "\"}");
    }

    std::mutex mu_;
    Settings settings_;
    const std::string instance_;
    int reloads_ = 0; // reload calls, refused ones included
};

} // namespace

WSHOST_PLUGIN(CfgKit, CFGKIT_NAME, CFGKIT_VERSION)
