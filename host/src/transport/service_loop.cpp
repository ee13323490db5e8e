#include "transport/service_loop.h"

#include <algorithm>

namespace wshost
{

void ServiceLoop::attach(lws_context *context)
{
    context_ = context;
    service_thread_ = std::this_thread::get_id();
    std::lock_guard lock(mu_);
    wake_context_ = context;
}

void ServiceLoop::detach()
{
    std::lock_guard lock(mu_);
    wake_context_ = nullptr;
}

void ServiceLoop::post(Task task)
{
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(task));
    if (!woken_ && wake_context_) { // else it rides on the wake-up already asked for
        woken_ = true;
        lws_cancel_service(wake_context_);
    }
    if (!wake_context_)
        posted_cv_.notify_one();
}

bool ServiceLoop::wait_posted(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    return posted_cv_.wait_for(lock, timeout, [this] { return !posted_.empty(); });
}

void ServiceLoop::run_posted()
{
    std::vector<Task> tasks;
    {
        std::lock_guard lock(mu_);
        woken_ = false;
        tasks.swap(posted_);
    }
    for (Task &task : tasks)
        task();
}

ServiceTimer::ServiceTimer(ServiceLoop &loop, std::function<void()> fired)
    : loop_(loop), fired_(std::move(fired))
{
    node_.timer = this;
}

void ServiceTimer::schedule_in(std::chrono::microseconds delay)
{
    armed_ = true;
    lws_sul_schedule(loop_.context(), 0, &node_.sul, expired, std::max<lws_usec_t>(delay.count(), 1));
}

void ServiceTimer::cancel()
{
    if (!armed_)
        return;
    armed_ = false;
    lws_sul_cancel(&node_.sul);
}

void ServiceTimer::expired(lws_sorted_usec_list_t *sul)
{
    ServiceTimer *self = lws_container_of(sul, Node, sul)->timer;
    self->armed_ = false;
    self->fired_(); // may re-arm
}

} // namespace wshost
