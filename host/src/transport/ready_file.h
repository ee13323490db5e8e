// The ready file (DESIGN §5): {"pid": N, "ws": PORT[, "control": PORT]} written
// through a temporary file and rename(), so a reader never sees half of it.
#pragma once

#include <string>
#include <sys/types.h>

namespace wshost
{

struct ReadyInfo {
    pid_t pid = 0;
    int ws_port = 0;
    int control_port = -1;      // < 0: no control TCP listener
    std::string control_socket; // set when control listens on a Unix socket
};

bool write_ready_file(const std::string &path, const ReadyInfo &info, std::string &why);
// write_ready_file() at startup: nothing for an empty path, a logged
// start_failed error when it cannot be written.
bool publish_ready_file(const std::string &path, const ReadyInfo &info);

} // namespace wshost
