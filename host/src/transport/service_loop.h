// The service thread's mailbox (LWS-NOTES T6, T13, T14): everything lws does
// runs on one thread, and lws_cancel_service() is the one call another thread
// may make. ServiceLoop is where every other thread hands work to that one:
// post() a task from any thread, and the service thread runs it after the
// wake-up (run_posted, from LWS_CALLBACK_EVENT_WAIT_CANCELLED). ServiceTimer
// is a one-shot lws timer on the same loop, re-armed by its owner.
//
// The gateway (its wake list), the dispatcher (hooks from worker threads),
// the reloader (the commit), the authenticator's verdicts, the control
// listener (deferred answers) and the retirement of plugin generations all
// come through here.
#pragma once

#include <libwebsockets.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wshost
{

class ServiceLoop
{
  public:
    using Task = std::function<void()>;

    // Service thread, once the context exists: the calling thread is the
    // service thread from now on.
    void attach(lws_context *context);
    // Before the context is destroyed: later wakes do nothing. Tasks posted
    // after it still queue, and run at the next run_posted().
    void detach();
    lws_context *context() const { return context_; } // service thread
    bool on_service_thread() const { return std::this_thread::get_id() == service_thread_; }

    // Any thread: queues `task` and wakes the loop. Tasks run in the order
    // they were posted.
    void post(Task task);
    // Service thread: runs what has been posted so far (a task posted by one
    // of them waits for the next wake-up). Cheap when nothing waits.
    void run_posted();
    // Service thread, after detach() (no loop wakes it any more): waits until
    // a task is posted or `timeout` passes; true when tasks wait.
    bool wait_posted(std::chrono::milliseconds timeout);

  private:
    lws_context *context_ = nullptr;
    std::thread::id service_thread_;
    std::mutex mu_;                     // the four below (orders post() against detach())
    std::condition_variable posted_cv_; // signalled by post() once detached
    lws_context *wake_context_ = nullptr;
    std::vector<Task> posted_;
    bool woken_ = false; // lws_cancel_service() called, posted_ not taken yet
};

// A one-shot timer on the service loop (lws_sul). Service thread only. Not
// cancelled when it goes: a timer still armed when the context is destroyed
// goes with the context, so a ServiceTimer must outlive the context.
class ServiceTimer
{
  public:
    ServiceTimer(ServiceLoop &loop, std::function<void()> fired);
    ServiceTimer(const ServiceTimer &) = delete;
    ServiceTimer &operator=(const ServiceTimer &) = delete;

    // Fires once, `delay` from now (at least 1 µs); re-arming moves it.
    void schedule_in(std::chrono::microseconds delay);
    void cancel();
    bool armed() const { return armed_; }

  private:
    static void expired(lws_sorted_usec_list_t *sul);

    struct Node {
        lws_sorted_usec_list_t sul; // first: lws_container_of needs it at a known place
        ServiceTimer *timer;
    };
    Node node_{};
    ServiceLoop &loop_;
    std::function<void()> fired_;
    bool armed_ = false;
};

} // namespace wshost
