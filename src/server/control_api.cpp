// The control API's routes. Each answer is built from thread-safe reads of the server
// (Server::listeners/sessions) or requests it to act (reload, stop).
#include "server/control_api.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/metrics.hpp"
#include "core/version.hpp"
#include "net/session_tracker.hpp"

namespace harbor::server {
namespace {

using json = nlohmann::json;

ControlResponse json_response(unsigned status, const json& body)
{
    // Replace, not throw, on invalid UTF-8: a user name from a client is not guaranteed UTF-8.
    return {status, "application/json", body.dump(2, ' ', false, json::error_handler_t::replace)};
}

ControlResponse error_response(unsigned status, std::string_view message)
{
    return json_response(status, json{{"error", message}});
}

std::int64_t seconds_since(std::chrono::system_clock::time_point then)
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - then)
        .count();
}

json ports(const ControlTargets& targets)
{
    json listeners = json::array();
    for (const ListenerView& listener : targets.server->listeners()) {
        listeners.push_back({{"name", listener.name},
                             {"protocol", protocol_name(listener.protocol)},
                             {"local", listener.address},
                             {"tls", tls_mode_name(listener.tls)},
                             {"state", "LISTENING"}});
    }
    json connections = json::array();
    const auto pid = static_cast<std::int64_t>(::getpid());
    for (const net::SessionView& session : targets.server->sessions()) {
        connections.push_back({{"cid", session.info.cid},
                               {"listener", session.info.listener},
                               {"protocol", protocol_name(session.info.protocol)},
                               {"local", session.info.local},
                               {"foreign", session.info.peer},
                               {"state", net::session_state_name(session.state)},
                               {"user", session.user},
                               {"duration_s", seconds_since(session.info.started)},
                               {"bytes_in", session.bytes_in},
                               {"bytes_out", session.bytes_out},
                               {"pid", pid}});
    }
    return {{"listeners", std::move(listeners)}, {"connections", std::move(connections)}};
}

json status(const ControlTargets& targets)
{
    return {{"pid", static_cast<std::int64_t>(::getpid())},
            {"version", version},
            {"hostname", targets.hostname},
            {"data_dir", targets.data_dir.string()},
            {"uptime_s", seconds_since(targets.started)},
            {"listeners", targets.server->listeners().size()},
            {"connections", targets.server->session_count()}};
}

}  // namespace

ControlHandler make_control_api(ControlTargets targets)
{
    return [targets = std::move(targets)](const ControlRequest& request) -> ControlResponse {
        const std::string& target = request.target;
        const bool get = request.method == "GET" || request.method == "HEAD";
        const bool post = request.method == "POST";
        if (target == "/v1/status" || target == "/v1/ports" || target == "/metrics") {
            if (!get) {
                return error_response(405, "use GET");
            }
            if (target == "/metrics") {
                return {200, "text/plain; version=0.0.4; charset=utf-8", metrics::render_text()};
            }
            return json_response(200, target == "/v1/status" ? status(targets) : ports(targets));
        }
        if (target == "/v1/reload" || target == "/v1/queue/wake" || target == "/v1/stop") {
            if (!post) {
                return error_response(405, "use POST");
            }
            if (target == "/v1/reload") {
                Result<ReloadReport> reloaded = targets.server->reload();
                if (!reloaded) {
                    return error_response(500, reloaded.error().detail);
                }
                return json_response(
                    200, json{{"reloaded", true}, {"restart_needed", reloaded->restart_needed}});
            }
            if (target == "/v1/queue/wake") {
                if (!targets.wake_queue) {
                    return error_response(409, "this server does not deliver ([queue] deliver)");
                }
                targets.wake_queue();
                return json_response(200, json{{"woken", true}});
            }
            targets.server->request_stop();
            return json_response(202, json{{"stopping", true}});
        }
        return error_response(404, "no such resource");
    };
}

}  // namespace harbor::server
