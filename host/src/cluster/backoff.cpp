#include "cluster/backoff.h"

#include <algorithm>

namespace wshost::cluster
{

Backoff::Backoff(ms initial, ms max, std::uint64_t seed)
    : initial_(std::max(initial, ms(1))), max_(std::max(max, initial_)), rng_(seed)
{
}

Backoff::ms Backoff::next()
{
    // The step doubles until it reaches max_ (capped before it can overflow).
    long long step = initial_.count();
    for (unsigned i = 0; i < attempt_ && step < max_.count(); ++i)
        step *= 2;
    step = std::min<long long>(step, max_.count());
    ++attempt_;
    std::uniform_int_distribution<long long> half(step - step / 2, step);
    return ms(half(rng_));
}

} // namespace wshost::cluster
