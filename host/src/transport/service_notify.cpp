#include "transport/service_notify.h"

namespace wshost
{

std::string ServiceNotify::status_text(uint64_t generation, std::size_t connections) const
{
    std::string conns = std::to_string(connections) + (connections == 1 ? " connection" : " connections");
    if (stopping_)
        return "draining " + conns;
    return "generation " + std::to_string(generation) + ", " + conns +
           (last_reload_failed_ ? ", last reload failed" : "");
}

void ServiceNotify::send(const std::string &message, const std::string &status)
{
    last_status_ = status;
    sd_.send(message + "STATUS=" + status + "\n");
}

void ServiceNotify::ready(uint64_t generation, std::size_t connections)
{
    if (!active())
        return;
    std::lock_guard lock(mu_);
    send("READY=1\n", status_text(generation, connections));
}

void ServiceNotify::reloading()
{
    if (!active())
        return;
    std::lock_guard lock(mu_); // keeps it in order with the READY=1 that ends it
    sd_.send("RELOADING=1\n" + monotonic_usec_field() + "\n");
}

void ServiceNotify::reloaded(uint64_t generation, bool ok, std::size_t connections)
{
    if (!active())
        return;
    std::lock_guard lock(mu_);
    last_reload_failed_ = !ok;
    send("READY=1\n", status_text(generation, connections));
}

void ServiceNotify::stopping(std::size_t connections)
{
    if (!active())
        return;
    std::lock_guard lock(mu_);
    stopping_ = true;
    send("STOPPING=1\n", status_text(0, connections));
}

void ServiceNotify::status(uint64_t generation, std::size_t connections)
{
    if (!active())
        return;
    std::lock_guard lock(mu_);
    std::string text = status_text(generation, connections);
    if (text != last_status_)
        send("", text);
}

void ServiceNotify::follow(ServiceLoop &loop, std::chrono::microseconds interval, Snapshot now)
{
    if (!active())
        return;
    status_timer_ = std::make_unique<ServiceTimer>(loop, [this, interval, now = std::move(now)] {
        {
            std::lock_guard lock(mu_);
            if (stopping_) // STOPPING's own STATUS lines take over
                return;
        }
        auto [generation, connections] = now();
        status(generation, connections);
        status_timer_->schedule_in(interval);
    });
    status_timer_->schedule_in(interval);
}

} // namespace wshost
