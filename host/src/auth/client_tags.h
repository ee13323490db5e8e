// Tags a client chooses at connect time with ?tags={"language":"FR"}
// (DESIGN §3): only keys listed in [websocket] client_tags are kept, one
// string value per key, a name (json/name_rule.h). Anything else is
// ignored, and logged once per handshake (never one line per key: the
// query is the client's to fill).
#pragma once

#include "gateway/tag_index.h"

#include <string>
#include <string_view>
#include <vector>

namespace wshost
{

// `query`: the query arguments, percent-decoded, joined by '&' (the last
// "tags=" argument counts).
Tags client_tags(std::string_view query, const std::vector<std::string> &allowed);

} // namespace wshost
