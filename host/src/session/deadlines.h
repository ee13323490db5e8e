// One timer for every deadline of the service thread's requests: handler
// timeouts (the reply registry) and authentication timeouts (the
// authenticator). Armed for the earliest; each expiry expires what is due and
// re-arms for the next. Service thread.
#pragma once

#include "auth/auth.h"
#include "protocol/replies.h"
#include "transport/service_loop.h"

namespace wshost
{

class Deadlines
{
  public:
    Deadlines(ServiceLoop &loop, ReplyRegistry &replies, AuthService &auth);

    // A deadline was added at `at` (a reply opened): re-arms if it is the earliest.
    void added(ReplyRegistry::Clock::time_point at);
    // Arms for the earliest deadline of either, unless the timer already fires before it.
    void arm();

  private:
    void fired();

    ReplyRegistry &replies_;
    AuthService &auth_;
    ServiceTimer timer_;
    ReplyRegistry::Clock::time_point armed_at_{};
};

} // namespace wshost
