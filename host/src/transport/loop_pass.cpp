#include "transport/loop_pass.h"

#include <ev.h>

namespace wshost
{

struct LibevPass::Watcher {
    ev_prepare prepare; // first: the callback gets its address
    std::function<void()> each_pass;
};

namespace
{

void prepare_fired(struct ev_loop *, ev_prepare *w, int)
{
    reinterpret_cast<LibevPass::Watcher *>(w)->each_pass();
}

} // namespace

LibevPass::LibevPass() = default;

LibevPass::~LibevPass()
{
    if (watcher_) {
        ev_ref(loop_); // undo start()'s ev_unref before stopping the watcher
        ev_prepare_stop(loop_, &watcher_->prepare);
    }
    if (loop_)
        ev_loop_destroy(loop_);
}

struct ev_loop *LibevPass::create_loop()
{
    loop_ = ev_loop_new(EVFLAG_AUTO);
    return loop_;
}

void LibevPass::start(std::function<void()> each_pass)
{
    watcher_ = std::make_unique<Watcher>();
    watcher_->each_pass = std::move(each_pass);
    ev_prepare_init(&watcher_->prepare, prepare_fired);
    ev_prepare_start(loop_, &watcher_->prepare);
    ev_unref(loop_);
}

} // namespace wshost
