// What DMARC found for a received message, in the form the store keeps for the aggregate
// report to the policy domain (RFC 7489 §7.2, Appendix C): only when the domain published a
// record that asks for reports (rua=). Sending the reports is not built yet (issue 8).
#pragma once

#include <cstdint>
#include <optional>

#include "filter/mail_auth.hpp"
#include "store/store.hpp"

namespace harbor::smtp::server {

// `received`: Unix seconds. Nothing when DMARC did not run, found no record, or the record
// names no aggregate report address.
std::optional<store::DmarcResultRecord> dmarc_report_row(const filter::MailAuthFindings& found,
                                                         std::int64_t received);

}  // namespace harbor::smtp::server
