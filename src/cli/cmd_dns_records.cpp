// `harbor dns-records DOMAIN`: every DNS record a local domain needs to receive and send mail
// through this server, in zone-file form: MX, SPF (RFC 7208), each DKIM key (RFC 6376 §3.6),
// DMARC (RFC 7489 §6.1), MTA-STS (RFC 8461 §3.1), TLS reporting (RFC 8460 §3), client service
// records (RFC 6186, RFC 8314 §5.1) and the autoconfig and Autodiscover names.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <ctime>
#include <iostream>
#include <memory>

#include "auth/dkim/crypto.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/dns_records.hpp"
#include "cli/format.hpp"
#include "core/config.hpp"
#include "directory/address.hpp"

namespace harbor::cli {
namespace {

struct DnsRecord {
    std::string name;
    std::string type;
    std::string value;  // TXT: the text; others: the RDATA as in a zone file
    std::string purpose;
};

// MTA-STS's id changes whenever the policy does (RFC 8461 §3.1); the time the records are
// printed is a value that only grows.
std::string sts_id(std::time_t now)
{
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
}

Result<std::vector<DnsRecord>> records_for(OpenDirectory& opened, const std::string& domain,
                                           const std::string& host)
{
    const std::string target = host + ".";
    const std::string postmaster = "mailto:postmaster@" + domain;
    std::vector<DnsRecord> records = {
        {domain, "MX", "10 " + target, "mail for the domain comes here"},
        {domain, "TXT", "v=spf1 mx -all", "SPF: only the MX hosts send the domain's mail"},
    };
    Result<std::vector<store::DkimKeyRecord>> keys = opened.store->list_dkim_keys(domain);
    HARBOR_TRY(keys);
    for (const store::DkimKeyRecord& key : *keys) {
        Result<std::string> text = auth::dkim::key_record_from_private(key.private_pem);
        HARBOR_TRY(text);
        records.push_back(
            {key.selector + "._domainkey." + domain, "TXT", *text,
             key.active ? "DKIM: the signing key" : "DKIM: a key kept for rotation (not signing)"});
    }
    if (keys->empty()) {
        records.push_back({"", "", "", "no DKIM key yet: harbor dkim keygen " + domain});
    }
    records.insert(
        records.end(),
        {
            {"_dmarc." + domain, "TXT", "v=DMARC1; p=quarantine; rua=" + postmaster,
             "DMARC: unauthenticated mail in the domain's name goes to spam"},
            {"_mta-sts." + domain, "TXT", "v=STSv1; id=" + sts_id(std::time(nullptr)),
             "MTA-STS: senders must use TLS, as https://mta-sts." + domain +
                 "/.well-known/mta-sts.txt says (served by Harbor's HTTPS listener, [http] "
                 "mta_sts_mode)"},
            {"mta-sts." + domain, "CNAME", target, "MTA-STS policy host"},
            {"_smtp._tls." + domain, "TXT", "v=TLSRPTv1; rua=" + postmaster,
             "TLS reporting: where senders report TLS failures"},
            {"_submissions._tcp." + domain, "SRV", "0 1 465 " + target,
             "mail clients: submission over TLS"},
            {"_submission._tcp." + domain, "SRV", "0 1 587 " + target,
             "mail clients: submission with STARTTLS"},
            {"_imaps._tcp." + domain, "SRV", "0 1 993 " + target, "mail clients: IMAP over TLS"},
            {"_imap._tcp." + domain, "SRV", "0 1 143 " + target,
             "mail clients: IMAP with STARTTLS"},
            {"_pop3s._tcp." + domain, "SRV", "0 1 995 " + target, "mail clients: POP3 over TLS"},
            {"autoconfig." + domain, "CNAME", target,
             "Thunderbird autoconfiguration (served by Harbor's HTTP listeners)"},
            {"autodiscover." + domain, "CNAME", target,
             "Outlook Autodiscover (served by Harbor's HTTPS listener)"},
        });
    return records;
}

}  // namespace

Result<void> print_dns_records(OpenDirectory& opened, std::string_view domain_text,
                               std::string_view host_text, RecordFormat format, std::ostream& out)
{
    Result<std::string> domain = directory::normalize_domain(domain_text);
    HARBOR_TRY(domain);
    Result<store::Domain> local = opened.store->find_domain(*domain);
    if (!local && local.error().code == Errc::NotFound) {
        return unexpected(Errc::NotFound, "not a local domain: " + *domain);
    }
    HARBOR_TRY(local);
    Result<std::string> host = directory::normalize_domain(host_text);
    HARBOR_TRY(host);
    Result<std::vector<DnsRecord>> records = records_for(opened, *domain, *host);
    HARBOR_TRY(records);
    nlohmann::json listing = nlohmann::json::array();
    for (const DnsRecord& record : *records) {
        if (format == RecordFormat::Json) {
            if (!record.type.empty()) {
                listing.push_back({{"name", record.name},
                                   {"type", record.type},
                                   {"value", record.value},
                                   {"purpose", record.purpose}});
            }
            continue;
        }
        out << "; " << record.purpose << "\n";
        if (record.type == "TXT") {
            out << format_zone_txt(record.name, record.value) << "\n";
        } else if (!record.type.empty()) {
            out << record.name << ". IN " << record.type << " " << record.value << "\n";
        }
    }
    if (format == RecordFormat::Json) {
        out << format_json(listing) << "\n";
    }
    return ok();
}

void add_dns_records_command(CLI::App& app, Context& context)
{
    struct Options {
        std::string domain;
        std::string host = default_hostname();
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    auto* command = app.add_subcommand("dns-records", "print the DNS records a local domain needs");
    command->add_option("DOMAIN", options->domain, "a local domain")->required();
    command->add_option("--host", options->host, "this server's public name (the MX target)")
        ->capture_default_str();
    command->add_flag("--json", options->json, "print JSON instead of zone-file lines");
    command->callback([&context, options] {
        context.run_with_store([&](OpenDirectory& opened) -> Result<void> {
            return print_dns_records(opened, options->domain, options->host,
                                     options->json ? RecordFormat::Json : RecordFormat::Zone,
                                     std::cout);
        });
    });
}

}  // namespace harbor::cli
