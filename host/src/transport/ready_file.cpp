#include "transport/ready_file.h"

#include "base/json_writer.h"
#include "base/log.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace wshost
{

bool write_ready_file(const std::string &path, const ReadyInfo &info, std::string &why)
{
    std::string json = "{\"pid\": " + std::to_string(info.pid) + ", \"ws\": " + std::to_string(info.ws_port);
    if (info.control_port >= 0)
        json += ", \"control\": " + std::to_string(info.control_port);
    if (!info.control_socket.empty()) {
        json += ", \"control_socket\": ";
        append_json_string(json, info.control_socket);
    }
    json += "}\n";

    std::string tmp = path + ".tmp." + std::to_string(info.pid);
    FILE *f = std::fopen(tmp.c_str(), "we");
    if (!f) {
        why = tmp + ": " + std::strerror(errno);
        return false;
    }
    bool ok = std::fwrite(json.data(), 1, json.size(), f) == json.size();
    ok = std::fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = std::fclose(f) == 0 && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        why = path + ": " + std::strerror(errno);
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

bool publish_ready_file(const std::string &path, const ReadyInfo &info)
{
    std::string why;
    if (path.empty() || write_ready_file(path, info, why))
        return true;
    log_event(LogLevel::error, LogFields("start_failed"), "cannot write the ready file: %s", why.c_str());
    return false;
}

} // namespace wshost
