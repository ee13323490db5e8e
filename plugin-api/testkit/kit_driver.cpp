// The kit's lifecycle: new/free, loading a plugin with the host's checks,
// init and fini, reset, the hook pump and the waits (testkit.h sections
// "Lifecycle" and "The record").
#include "kit_state.h"

#include "json/json_scan.h"

#include <chrono>
#include <dlfcn.h>
#include <new>

namespace wshost::testkit
{

namespace
{

wsh_event event_of(const HookItem &item, std::vector<wsh_tag> &tag_views)
{
    wsh_event ev{};
    ev.struct_size = sizeof ev;
    ev.kind = static_cast<wsh_hook_kind>(item.kind);
    ev.conn = item.conn;
    ev.user_id = view(item.user);
    ev.action = view(item.action);
    ev.error_code = view(item.error_code);
    ev.message = view(item.message);
    ev.close_code = item.close_code;
    ev.room = view(item.room);
    for (auto &t : item.tags)
        tag_views.push_back(wsh_tag{view(t.first), view(t.second)});
    ev.tags = tag_views.empty() ? nullptr : tag_views.data();
    ev.tags_count = tag_views.size();
    ev.endpoint = view(item.endpoint);
    ev.subprotocol = view(item.subprotocol);
    ev.data = view(item.data);
    return ev;
}

} // namespace

// Records the hook and runs the plugin's (no lock held while it runs).
int run_hook(wsh_testkit *kit, const wsh_event &ev)
{
    HookReg reg;
    {
        std::lock_guard lock(kit->mu);
        const int k = static_cast<int>(ev.kind);
        if (k >= 0 && k < WSH_HOOK_KIND_COUNT && kit->loaded)
            reg = kit->hooks[k];
        Event &e = record_locked(kit, WSH_TESTKIT_EV_HOOK, 0);
        e.code = k;
        e.conn = ev.conn;
        e.user = to_string(ev.user_id);
        e.room = to_string(ev.room);
        e.data = ev.data.len ? to_string(ev.data) : to_string(ev.message);
        e.delivered = reg.fn ? 1 : 0;
    }
    if (reg.fn)
        reg.fn(&ev, reg.user_data);
    return reg.fn ? 1 : 0;
}

void pump(wsh_testkit *kit)
{
    for (;;) {
        HookItem item;
        {
            std::lock_guard lock(kit->mu);
            if (kit->hook_queue.empty())
                return;
            item = std::move(kit->hook_queue.front());
            kit->hook_queue.pop_front();
            if (item.kind == kCloseItem) { // the close a plugin asked for: now it closes
                drop_conn_locked(kit, item.conn, item.close_code);
                continue;
            }
        }
        std::vector<wsh_tag> tags;
        run_hook(kit, event_of(item, tags));
    }
}

namespace
{

void clear_registrations_locked(wsh_testkit *kit)
{
    kit->actions.clear();
    for (auto &h : kit->hooks)
        h = HookReg{};
    kit->message_fn = nullptr;
    kit->message_ud = nullptr;
    kit->auth_fn = nullptr;
    kit->auth_ud = nullptr;
    kit->extra_headers.clear();
    kit->duplicate_action = false;
}

// Closes every open reply and verdict: later answers get WSH_E_GONE.
void close_open_locked(wsh_testkit *kit)
{
    for (auto &r : kit->replies)
        r.second.open = false;
    for (auto &v : kit->verdicts)
        v.second.open = false;
}

// The host's checks of a definition, in its order and words (plugin.h section 1).
bool check_def(wsh_testkit *kit, const wsh_plugin_def *def, const char *name)
{
    if (!def) {
        kit->error = "wsh_plugin_entry returned NULL";
        return false;
    }
    if (def->struct_size < WSH_PLUGIN_DEF_MIN_SIZE) {
        kit->error = "definition struct too small: plugin " + std::to_string(def->struct_size) +
                     " bytes, host needs at least " + std::to_string(WSH_PLUGIN_DEF_MIN_SIZE);
        return false;
    }
    if (def->abi_major != WSH_ABI_MAJOR) {
        kit->error = "ABI major mismatch: plugin " + std::to_string(def->abi_major) + ", host " +
                     std::to_string(WSH_ABI_MAJOR);
        return false;
    }
    if (def->abi_minor > WSH_ABI_MINOR) {
        kit->error = "ABI minor too new: plugin " + std::to_string(def->abi_major) + "." +
                     std::to_string(def->abi_minor) + ", host " + std::to_string(WSH_ABI_MAJOR) + "." +
                     std::to_string(WSH_ABI_MINOR);
        return false;
    }
    const std::string own = def->name ? def->name : "";
    if (name && own != name) {
        kit->error = "name mismatch: plugin says '" + own + "', config says '" + name + "'";
        return false;
    }
    if (!def->init) {
        kit->error = "definition has no init";
        return false;
    }
    return true;
}

int load_common(wsh_testkit *kit, const wsh_plugin_def *def, const char *name, const char *config_json)
{
    if (!check_def(kit, def, name))
        return WSH_E_INVALID;
    const std::string config = config_json && *config_json ? config_json : "{}";
    if (!wshost::is_json_object(config)) {
        kit->error = "config_json is not one JSON object";
        return WSH_E_INVALID;
    }
    kit->def = def;
    kit->plugin_name = name ? name : def->name;
    wsh_init_args args{};
    args.struct_size = sizeof args;
    args.api = &kit->api;
    args.host = &kit->handle;
    args.plugin_name = view(kit->plugin_name);
    args.config_json = view(config);
    {
        std::lock_guard lock(kit->mu);
        kit->loaded = true;
        kit->in_init = true;
    }
    void *state = nullptr;
    const int rc = def->init(&args, &state);
    bool duplicate;
    {
        std::lock_guard lock(kit->mu);
        kit->in_init = false;
        duplicate = kit->duplicate_action;
    }
    kit->init_status = rc;
    if (rc == WSH_OK && !duplicate) {
        kit->state = state;
        kit->initialized = true;
        pump(kit);
        return WSH_OK;
    }
    if (rc == WSH_OK && def->fini) // init succeeded but the load fails: fini, as the host does
        def->fini(state);
    if (rc != WSH_OK)
        kit->error = "init failed (status " + std::to_string(rc) + ")";
    std::lock_guard lock(kit->mu);
    kit->loaded = false;
    clear_registrations_locked(kit);
    kit->conns.clear();
    kit->rooms.clear();
    kit->hook_queue.clear();
    close_open_locked(kit);
    kit->def = nullptr;
    return WSH_E_FAILED;
}

} // namespace
} // namespace wshost::testkit

using namespace wshost::testkit;

extern "C" {

wsh_testkit *wsh_testkit_new(void)
{
    wsh_testkit *kit = new (std::nothrow) wsh_testkit;
    if (kit)
        fill_api(kit->api);
    return kit;
}

void wsh_testkit_free(wsh_testkit *kit)
{
    if (!kit)
        return;
    wsh_testkit_unload(kit);
    delete kit;
}

int wsh_testkit_load(wsh_testkit *kit, const char *path, const char *name, const char *config_json)
{
    if (!kit)
        return WSH_E_INVALID;
    kit->error.clear();
    if (!path) {
        kit->error = "no path";
        return WSH_E_INVALID;
    }
    if (kit->def) {
        kit->error = "a plugin is loaded already";
        return WSH_E_STATE;
    }
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        kit->error = std::string("not a loadable shared object: ") + (why ? why : path);
        return WSH_E_INVALID;
    }
    auto entry = reinterpret_cast<wsh_plugin_entry_fn>(dlsym(dl, WSH_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
        kit->error = std::string("no wsh_plugin_entry symbol in ") + path;
        dlclose(dl);
        return WSH_E_INVALID;
    }
    kit->dl = dl;
    const int rc = load_common(kit, entry(), name, config_json);
    if (rc != WSH_OK) {
        dlclose(dl);
        kit->dl = nullptr;
    }
    return rc;
}

int wsh_testkit_load_def(wsh_testkit *kit, const wsh_plugin_def *def, const char *name,
                         const char *config_json)
{
    if (!kit)
        return WSH_E_INVALID;
    kit->error.clear();
    if (kit->def) {
        kit->error = "a plugin is loaded already";
        return WSH_E_STATE;
    }
    return load_common(kit, def, name, config_json);
}

void wsh_testkit_unload(wsh_testkit *kit)
{
    if (!kit || !kit->def)
        return;
    pump(kit);
    if (kit->initialized && kit->def->fini)
        kit->def->fini(kit->state); // gateway calls still work during fini
    {
        std::lock_guard lock(kit->mu);
        kit->loaded = false;
        clear_registrations_locked(kit);
        kit->conns.clear();
        kit->rooms.clear();
        kit->hook_queue.clear();
        close_open_locked(kit);
    }
    kit->initialized = false;
    kit->state = nullptr;
    kit->def = nullptr;
    if (kit->dl)
        dlclose(kit->dl);
    kit->dl = nullptr;
}

int wsh_testkit_init_status(const wsh_testkit *kit)
{
    return kit ? kit->init_status : 0;
}

const char *wsh_testkit_error(const wsh_testkit *kit)
{
    return kit ? kit->error.c_str() : "";
}

void wsh_testkit_reset(wsh_testkit *kit)
{
    if (!kit)
        return;
    pump(kit);
    std::lock_guard lock(kit->mu);
    kit->events.clear();
    kit->replies.clear(); // ids keep counting up: a late answer finds nothing (WSH_E_GONE)
    kit->verdicts.clear();
    kit->error.clear();
}

size_t wsh_testkit_action_count(const wsh_testkit *kit)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->actions.size();
}

int wsh_testkit_action_name(const wsh_testkit *kit, size_t index, wsh_str *out)
{
    if (!kit || !out)
        return 0;
    std::lock_guard lock(kit->mu);
    if (index >= kit->actions.size())
        return 0;
    auto it = kit->actions.begin();
    std::advance(it, static_cast<long>(index));
    *out = view(it->first);
    return 1;
}

int wsh_testkit_has_hook(const wsh_testkit *kit, wsh_hook_kind kind)
{
    const int k = static_cast<int>(kind);
    if (!kit || k < 0 || k >= WSH_HOOK_KIND_COUNT)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->hooks[k].fn ? 1 : 0;
}

int wsh_testkit_has_authenticator(const wsh_testkit *kit)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->auth_fn ? 1 : 0;
}

int wsh_testkit_has_message_handler(const wsh_testkit *kit)
{
    if (!kit)
        return 0;
    std::lock_guard lock(kit->mu);
    return kit->message_fn ? 1 : 0;
}

void wsh_testkit_run_hooks(wsh_testkit *kit)
{
    if (kit)
        pump(kit);
}

} // extern "C"

namespace wshost::testkit
{

// Waits until pred() holds (checked under kit->mu), pumping hooks meanwhile.
template <class Pred> bool wait_for(wsh_testkit *kit, int timeout_ms, Pred pred)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        pump(kit);
        std::unique_lock lock(kit->mu);
        if (pred()) {
            lock.unlock();
            pump(kit); // what the awaited answer caused (an accept's AUTHENTICATED)
            return true;
        }
        if (!kit->hook_queue.empty())
            continue;
        if (timeout_ms == 0)
            return false;
        if (timeout_ms < 0)
            kit->cv.wait(lock);
        else if (kit->cv.wait_until(lock, deadline) == std::cv_status::timeout && !pred() &&
                 kit->hook_queue.empty())
            return false;
    }
}

} // namespace wshost::testkit

extern "C" {

int wsh_testkit_wait_reply(wsh_testkit *kit, wsh_reply_id id, int timeout_ms, wsh_testkit_reply *out)
{
    if (!kit)
        return 0;
    const bool ok = wait_for(kit, timeout_ms, [&] {
        auto it = kit->replies.find(id);
        return it != kit->replies.end() && !it->second.open;
    });
    wsh_testkit_get_reply(kit, id, out);
    return ok ? 1 : 0;
}

int wsh_testkit_wait_verdict(wsh_testkit *kit, wsh_auth_id auth, int timeout_ms, wsh_testkit_verdict *out)
{
    if (!kit)
        return 0;
    const bool ok = wait_for(kit, timeout_ms, [&] {
        auto it = kit->verdicts.find(auth);
        return it != kit->verdicts.end() && !it->second.open;
    });
    wsh_testkit_get_verdict(kit, auth, out);
    return ok ? 1 : 0;
}

int wsh_testkit_wait_event(wsh_testkit *kit, wsh_testkit_event_kind kind, size_t *cursor, int timeout_ms,
                           wsh_testkit_event *out)
{
    if (!kit || !cursor)
        return 0;
    const size_t from = *cursor;
    const bool ok = wait_for(kit, timeout_ms, [&] {
        for (size_t i = from; i < kit->events.size(); ++i)
            if (kind == WSH_TESTKIT_EV_ANY || kit->events[i].kind == kind)
                return true;
        return false;
    });
    return ok && wsh_testkit_next_event(kit, kind, cursor, out);
}

} // extern "C"
