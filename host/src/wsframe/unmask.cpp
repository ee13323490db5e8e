#include "wsframe/unmask.h"

#include <cstring>

namespace wshost::wsframe
{

unsigned unmask(std::uint8_t *dst, const std::uint8_t *src, std::size_t n, const std::uint8_t key[4],
                unsigned phase) noexcept
{
    std::uint8_t k[8];
    for (unsigned i = 0; i < 8; ++i)
        k[i] = key[(phase + i) & 3];
    std::uint64_t word_key;
    std::memcpy(&word_key, k, 8);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= word_key;
        std::memcpy(dst + i, &w, 8);
    }
    for (std::size_t j = 0; i < n; ++i, ++j)
        dst[i] = src[i] ^ k[j];
    return static_cast<unsigned>((phase + n) & 3);
}

} // namespace wshost::wsframe
