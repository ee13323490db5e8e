#include "plugins/reload.h"

#include "base/json_writer.h"
#include "base/log.h"
#include "base/metrics.h"

#include <ctime>

namespace wshost
{

std::string rfc3339_now()
{
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return buf;
}

std::string ReloadResult::to_json() const
{
    std::string out;
    JsonWriter w(out);
    w.begin_object().key("generation").number(generation).key("status").string(status);
    w.key("started").string(started).key("finished").string(finished);
    w.key("errors").begin_array();
    for (const ConfigError &e : errors) {
        w.begin_object().key("file").string(e.pos.file).key("line").number(e.pos.line);
        w.key("col").number(e.pos.col).key("message").string(e.message).end_object();
    }
    w.end_array().key("restart_required").begin_array();
    for (const std::string &key : restart_required)
        w.string(key);
    w.end_array().end_object();
    return out;
}

Reloader::Reloader(Prepare prepare, Commit commit, ServiceLoop &loop, Observer observer)
    : prepare_(std::move(prepare)), commit_(std::move(commit)), loop_(loop), observer_(std::move(observer))
{
    thread_ = std::thread([this] { run(); });
}

Reloader::~Reloader()
{
    stop();
}

void Reloader::stop()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void Reloader::request(Done done)
{
    {
        std::lock_guard lock(mu_);
        requested_ = true; // several requests before the next attempt: one attempt
        if (done)
            waiting_.push_back(std::move(done));
    }
    cv_.notify_all();
}

ReloadResult Reloader::result() const
{
    std::lock_guard lock(mu_);
    return result_;
}

void Reloader::run()
{
    for (;;) {
        ReloadResult attempt;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || (requested_ && !running_); });
            if (stopping_)
                return;
            requested_ = false;
            running_ = true;
            attempting_ = std::move(waiting_);
            waiting_.clear();
            result_.attempt++;
            result_.status = "running";
            result_.started = rfc3339_now();
            result_.finished.clear();
            attempt = result_;
        }
        attempt.errors.clear();
        attempt.restart_required.clear();
        if (observer_.started)
            observer_.started();
        std::unique_ptr<PreparedReload> prepared = prepare_(attempt.errors);
        if (!prepared) {
            attempt.status = "failed";
            finish(std::move(attempt));
            continue;
        }
        // The swap happens on the service thread; it finishes the attempt there.
        auto shared = std::make_shared<std::unique_ptr<PreparedReload>>(std::move(prepared));
        loop_.post([this, shared, attempt]() mutable {
            {
                std::lock_guard lock(mu_);
                if (stopping_)
                    return; // shutting down: the prepared generation is dropped, never swapped in
            }
            attempt.restart_required = commit_(std::move(*shared));
            attempt.generation = attempt.attempted();
            attempt.status = "ok";
            finish(std::move(attempt));
        });
    }
}

void Reloader::finish(ReloadResult result)
{
    result.finished = rfc3339_now();
    metrics::reload(result.status);
    metrics::set_reload_generation(result.generation);
    if (result.status == "ok") {
        std::string note;
        for (const std::string &s : result.restart_required)
            note += (note.empty() ? " (restart required to apply: " : ", ") + s;
        if (!note.empty())
            note += ")";
        log_event(LogLevel::info, LogFields("reload_ok").generation(result.generation),
                  "reload generation=%llu ok%s", static_cast<unsigned long long>(result.generation),
                  note.c_str());
    } else {
        const uint64_t attempted = result.attempted();
        for (const ConfigError &e : result.errors)
            log_event(LogLevel::error, LogFields("reload_error").generation(attempted), "%s",
                      e.format().c_str());
        std::string first = result.errors.empty() ? "unknown error" : result.errors.front().format();
        log_event(LogLevel::error, LogFields("reload_failed").generation(attempted),
                  "reload generation=%llu failed: %s%s", static_cast<unsigned long long>(attempted),
                  first.c_str(),
                  result.errors.size() > 1
                      ? (" (and " + std::to_string(result.errors.size() - 1) + " more)").c_str()
                      : "");
    }
    // Before the next attempt may begin: its RELOADING=1 must follow this READY=1.
    if (observer_.finished)
        observer_.finished(result);
    std::vector<Done> waiters;
    {
        std::lock_guard lock(mu_);
        result_ = result;
        running_ = false;
        waiters.swap(attempting_);
    }
    cv_.notify_all();
    for (Done &done : waiters)
        done(result);
}

} // namespace wshost
