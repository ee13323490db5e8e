// A log-linear latency histogram (nanoseconds in, percentiles out).
//
// Values are bucketed by their highest set bit, with 64 linear sub-buckets per
// power of two: about 1.6 % relative error, fixed memory (64 x 64 counters),
// O(1) record. Good enough for p50/p99/p99.9 of network round trips.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace wsload
{

class Histogram
{
  public:
    static constexpr int kSubBits = 6;
    static constexpr int kSub = 1 << kSubBits;

    void record(uint64_t ns)
    {
        ++counts_[index(ns)];
        ++total_;
        max_ = std::max(max_, ns);
        min_ = std::min(min_, ns);
    }

    void merge(const Histogram &other)
    {
        for (std::size_t i = 0; i < counts_.size(); ++i)
            counts_[i] += other.counts_[i];
        total_ += other.total_;
        max_ = std::max(max_, other.max_);
        min_ = std::min(min_, other.min_);
    }

    uint64_t count() const { return total_; }
    uint64_t max() const { return total_ ? max_ : 0; }
    uint64_t min() const { return total_ ? min_ : 0; }

    // The value at quantile q (0..1): the upper edge of the bucket holding it,
    // clamped to the largest value seen.
    uint64_t quantile(double q) const
    {
        if (!total_)
            return 0;
        auto rank = static_cast<uint64_t>(q * static_cast<double>(total_));
        if (rank >= total_)
            rank = total_ - 1;
        uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen > rank)
                return std::min(upper(i), max_);
        }
        return max_;
    }

  private:
    static std::size_t index(uint64_t v)
    {
        if (v < kSub)
            return static_cast<std::size_t>(v);
        int msb = 63 - std::countl_zero(v); // >= kSubBits
        int shift = msb - kSubBits;
        uint64_t sub = (v >> shift) & (kSub - 1);
        return static_cast<std::size_t>((shift + 1) * kSub + sub);
    }
    static uint64_t upper(std::size_t i)
    {
        if (i < kSub)
            return i;
        std::size_t shift = i / kSub - 1;
        uint64_t sub = i % kSub;
        return ((uint64_t{kSub} + sub + 1) << shift) - 1;
    }

    std::array<uint64_t, 64 * kSub> counts_{};
    uint64_t total_ = 0;
    uint64_t max_ = 0;
    uint64_t min_ = UINT64_MAX;
};

} // namespace wsload
