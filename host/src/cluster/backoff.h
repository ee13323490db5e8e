// Reconnect delays: exponential from `initial` up to `max`, each drawn at
// random from the upper half of its step ("equal jitter"), so that the nodes
// of a cluster that lost Redis together do not all come back in the same
// millisecond. reset() after a connection that came up.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace wshost::cluster
{

class Backoff
{
  public:
    using ms = std::chrono::milliseconds;
    Backoff(ms initial, ms max, std::uint64_t seed);

    // The delay before the next attempt; each call doubles the step.
    ms next();
    void reset() { attempt_ = 0; }
    unsigned attempts() const { return attempt_; }

  private:
    ms initial_;
    ms max_;
    unsigned attempt_ = 0;
    std::mt19937_64 rng_;
};

} // namespace wshost::cluster
