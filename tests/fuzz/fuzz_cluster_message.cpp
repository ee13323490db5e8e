// The cross-node message decoder (cluster/cluster_message.h) on any bytes: a
// message it accepts re-encodes to exactly the bytes it came from (the wire
// form is canonical), and decodes again to the same message. The channel
// parser gets the same bytes: a channel it accepts is named back the same.
#include "cluster/channels.h"
#include "cluster/cluster_message.h"
#include "fuzz_common.h"

#include <cstdint>
#include <string>
#include <string_view>

using namespace wshost::cluster;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet_logs();
    const std::string_view bytes(reinterpret_cast<const char *>(data), size);
    std::string why;
    const auto m = decode_cluster_message(bytes, why);
    if (m) {
        const std::string again = encode_cluster_message(*m);
        FUZZ_CHECK(again == bytes);
        std::string why2;
        const auto m2 = decode_cluster_message(again, why2);
        FUZZ_CHECK(m2 && *m2 == *m);
        FUZZ_CHECK(!m->origin.empty());
    } else {
        FUZZ_CHECK(!why.empty());
    }
    const ClusterNames names("wshost");
    if (const auto c = names.parse(bytes))
        FUZZ_CHECK(names.channel(*c) == bytes);
    return 0;
}
