// [queue] and [dns] of harbor.toml: the outbound queue's limits and retry schedule, and the
// resolver it looks destinations up with. See config.hpp for the defaults.
#include "core/config_reader.hpp"

namespace harbor::config_reader {
namespace {

Result<std::uint32_t> get_u32(const Reporter& report, const toml::table& table,
                              std::string_view key, std::string_view name, std::int64_t min,
                              std::int64_t max, std::uint32_t fallback)
{
    auto value = get_integer(report, table, key, name, min, max, fallback);
    HARBOR_TRY(value);
    return static_cast<std::uint32_t>(*value);
}

}  // namespace

Result<void> parse_queue_section(const Reporter& report, const toml::table& table, QueueConfig& out)
{
    HARBOR_TRY(check_keys(
        report, table, "queue",
        {"deliver", "max_connections", "max_connections_per_domain", "max_messages_per_connection",
         "retry_s", "lifetime_s", "delay_warning_s", "port", "poll_interval_ms",
         "connect_timeout_s", "destination_backoff_s", "dane", "mta_sts", "ca_file",
         "verify_recipients", "verify_known_ttl_s", "verify_unknown_ttl_s"}));
    auto deliver = get_bool(report, table, "deliver", "queue.deliver", out.deliver);
    HARBOR_TRY(deliver);
    out.deliver = *deliver;
    auto dane = get_bool(report, table, "dane", "queue.dane", out.dane);
    HARBOR_TRY(dane);
    out.dane = *dane;
    auto mta_sts = get_bool(report, table, "mta_sts", "queue.mta_sts", out.mta_sts);
    HARBOR_TRY(mta_sts);
    out.mta_sts = *mta_sts;
    auto ca_file = get_string(report, table, "ca_file", "queue.ca_file", out.ca_file);
    HARBOR_TRY(ca_file);
    out.ca_file = *ca_file;
    auto total = get_u32(report, table, "max_connections", "queue.max_connections", 1, 10'000,
                         out.max_connections);
    HARBOR_TRY(total);
    out.max_connections = *total;
    auto per_domain =
        get_u32(report, table, "max_connections_per_domain", "queue.max_connections_per_domain", 1,
                10'000, out.max_connections_per_domain);
    HARBOR_TRY(per_domain);
    out.max_connections_per_domain = *per_domain;
    auto per_connection =
        get_u32(report, table, "max_messages_per_connection", "queue.max_messages_per_connection",
                1, 100'000, out.max_messages_per_connection);
    HARBOR_TRY(per_connection);
    out.max_messages_per_connection = *per_connection;
    if (const toml::node* node = table.get("retry_s")) {
        const toml::array* array = node->as_array();
        if (array == nullptr || array->empty()) {
            return report.fail(node, "queue.retry_s", "must be a non-empty array of seconds");
        }
        out.retry_s.clear();
        for (const toml::node& item : *array) {
            std::optional<std::int64_t> seconds = item.value<std::int64_t>();
            // RFC 5321 §4.5.4.1 wants at least 30 minutes between tries; shorter first waits
            // are common practice (Postfix: 300 s), so only nonsense is refused.
            if (!item.is_integer() || !seconds || *seconds < 1 || *seconds > 7 * 24 * 3600) {
                return report.fail(&item, "queue.retry_s", "each must be 1..604800 seconds");
            }
            out.retry_s.push_back(static_cast<std::uint32_t>(*seconds));
        }
    }
    auto lifetime =
        get_u32(report, table, "lifetime_s", "queue.lifetime_s", 0, 60 * 24 * 3600, out.lifetime_s);
    HARBOR_TRY(lifetime);
    out.lifetime_s = *lifetime;
    auto warning = get_u32(report, table, "delay_warning_s", "queue.delay_warning_s", 0,
                           60 * 24 * 3600, out.delay_warning_s);
    HARBOR_TRY(warning);
    out.delay_warning_s = *warning;
    auto port = get_u32(report, table, "port", "queue.port", 1, 65535, out.port);
    HARBOR_TRY(port);
    out.port = static_cast<std::uint16_t>(*port);
    auto poll = get_u32(report, table, "poll_interval_ms", "queue.poll_interval_ms", 10, 3'600'000,
                        out.poll_interval_ms);
    HARBOR_TRY(poll);
    out.poll_interval_ms = *poll;
    auto connect = get_u32(report, table, "connect_timeout_s", "queue.connect_timeout_s", 1, 600,
                           out.connect_timeout_s);
    HARBOR_TRY(connect);
    out.connect_timeout_s = *connect;
    auto backoff = get_u32(report, table, "destination_backoff_s", "queue.destination_backoff_s", 1,
                           24 * 3600, out.destination_backoff_s);
    HARBOR_TRY(backoff);
    out.destination_backoff_s = *backoff;
    auto verify = get_bool(report, table, "verify_recipients", "queue.verify_recipients",
                           out.verify_recipients);
    HARBOR_TRY(verify);
    out.verify_recipients = *verify;
    auto known = get_u32(report, table, "verify_known_ttl_s", "queue.verify_known_ttl_s", 0,
                         30 * 24 * 3600, out.verify_known_ttl_s);
    HARBOR_TRY(known);
    out.verify_known_ttl_s = *known;
    auto unknown = get_u32(report, table, "verify_unknown_ttl_s", "queue.verify_unknown_ttl_s", 0,
                           30 * 24 * 3600, out.verify_unknown_ttl_s);
    HARBOR_TRY(unknown);
    out.verify_unknown_ttl_s = *unknown;
    return ok();
}

Result<void> parse_dns_section(const Reporter& report, const toml::table& table, DnsConfig& out)
{
    HARBOR_TRY(check_keys(report, table, "dns", {"forwarders", "trust_anchors", "timeout_ms"}));
    auto forwarders = get_string_list(report, table, "forwarders", "dns.forwarders");
    HARBOR_TRY(forwarders);
    out.forwarders = std::move(*forwarders);
    auto anchors = get_string_list(report, table, "trust_anchors", "dns.trust_anchors");
    HARBOR_TRY(anchors);
    out.trust_anchors = std::move(*anchors);
    auto timeout =
        get_u32(report, table, "timeout_ms", "dns.timeout_ms", 100, 120'000, out.timeout_ms);
    HARBOR_TRY(timeout);
    out.timeout_ms = *timeout;
    return ok();
}

}  // namespace harbor::config_reader
