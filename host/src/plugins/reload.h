// Reload attempts (DESIGN §7): one at a time on a reload thread, requests
// arriving meanwhile coalesced into one more attempt. The server supplies the
// work: `prepare` runs on the reload thread (parse, validate, load and init
// the new generation; nothing changes yet) and, when it succeeded, `commit`
// is posted to the service loop (the swap). The attempt's result
// is kept for GET /v1/reload and handed to whoever asked for it.
#pragma once

#include "config/config.h"
#include "transport/service_loop.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wshost
{

// Generation numbers: the generation the host started with is 1, and every
// attempt takes the next number, whether it succeeds or not, so that a failed
// attempt and the next one never share a number in the log
// ("reload generation=3 failed", then "reload generation=4 ok"). A failure
// leaves `generation` (the one serving) as it was.
struct ReloadResult {
    uint64_t generation = 1;   // the generation serving now (1 = as started)
    uint64_t attempt = 0;      // attempts made so far (the last one tried generation attempt + 1)
    std::string status = "ok"; // "ok" | "failed" | "running"
    std::string started;       // RFC 3339, empty before the first attempt
    std::string finished;
    std::vector<ConfigError> errors;
    std::vector<std::string> restart_required; // changed settings left as they were

    // The attempted generation's number: the last attempt's (under way or
    // finished), or `generation` before the first.
    uint64_t attempted() const { return attempt + 1; }

    // {"generation":N,"status":...,"started":...,"finished":...,"errors":[{"file","line","col","message"}],
    //  "restart_required":[...]}
    std::string to_json() const;
};

// What `prepare` hands to `commit`: opaque to the reloader.
struct PreparedReload {
    virtual ~PreparedReload() = default;
};

class Reloader
{
  public:
    using Done = std::function<void(const ReloadResult &)>;
    // Returns the prepared generation, or null with `errors` filled.
    using Prepare = std::function<std::unique_ptr<PreparedReload>(std::vector<ConfigError> &errors)>;
    // Service thread: applies it; returns the settings that need a restart.
    using Commit = std::function<std::vector<std::string>(std::unique_ptr<PreparedReload>)>;
    // Told when each attempt begins (reload thread) and how it ended (the
    // thread that ends it): the service manager's RELOADING=1 / READY=1.
    struct Observer {
        std::function<void()> started;
        Done finished;
    };

    Reloader(Prepare prepare, Commit commit, ServiceLoop &loop, Observer observer = {});
    ~Reloader(); // stop()
    // Stops the reload thread (an attempt in progress is finished first,
    // its commit is dropped if the service loop is gone). Idempotent.
    void stop();

    // Any thread. Asks for a reload; `done` (optional) is called once with the
    // result of the attempt that covers this request, on the reload or the
    // service thread.
    void request(Done done = {});
    ReloadResult result() const;

  private:
    void run();
    void finish(ReloadResult result); // records, logs, calls the waiters

    Prepare prepare_;
    Commit commit_;
    ServiceLoop &loop_;
    Observer observer_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool requested_ = false;
    bool running_ = false; // an attempt (prepare + commit) is under way
    bool stopping_ = false;
    std::vector<Done> waiting_;    // for the next attempt
    std::vector<Done> attempting_; // for the attempt under way
    ReloadResult result_;
    std::thread thread_;
};

// "2026-11-22T07:40:00Z"
std::string rfc3339_now();

} // namespace wshost
