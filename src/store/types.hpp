// Plain value types the Store hands out. Ids are strong types so a MailboxId cannot be passed
// where an AccountId is meant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace harbor::store {

// The largest UID a mailbox can give (RFC 9051 §2.3.1.1: a 32-bit value).
constexpr std::int64_t max_uid = std::numeric_limits<std::uint32_t>::max();

template <typename Tag>
struct Id {
    std::int64_t value = 0;
    friend bool operator==(Id, Id) = default;
    friend auto operator<=>(Id, Id) = default;
};

using DomainId = Id<struct DomainTag>;
using AccountId = Id<struct AccountTag>;
using MailboxId = Id<struct MailboxTag>;

enum class Role { User, DomainAdmin, Admin };

// Per-account protocol rights: each protocol allowed or not.
struct Rights {
    bool imap = true;
    bool pop3 = true;
    bool submission = true;
    friend bool operator==(const Rights&, const Rights&) = default;
};

struct Domain {
    DomainId id;
    std::string name;  // A-label, lower case
};

// Everything needed to authenticate without the plaintext password.
struct Credentials {
    std::string password_hash;  // argon2id PHC string
    std::string scram_sha256;   // "salt-b64:iterations:storedkey-b64:serverkey-b64" (RFC 5802 §3)
};

// Overwrites both secrets and gives their memory back: for a session or cache that holds an
// Account long after the password check. (Assigning empty strings would keep the buffers and
// all but their first byte.)
void forget_credentials(Credentials& credentials);

struct Account {
    AccountId id;
    DomainId domain;
    std::string local_part;     // as created (case preserved)
    std::string address;        // local_part@domain, local part as created
    std::string display_name;
    Credentials credentials;
    Role role = Role::User;
    Rights rights;
    std::uint64_t quota_bytes = 0;  // 0: unlimited
    bool disabled = false;
};

// source is "local@domain" or "@domain" (the domain's catch-all); target is an address.
struct Alias {
    std::string source;
    std::string target;
};

// A distribution list: an address that expands to its members (addresses, possibly groups).
struct Group {
    std::string address;
    std::vector<std::string> members;
};

// A content-addressed blob: SHA-256 of the bytes, lower-case hex.
struct BlobId {
    std::string sha256;
    friend bool operator==(const BlobId&, const BlobId&) = default;
};

// RFC 6154 §2 special-use attributes a mailbox may carry ("" for none), as IMAP spells them.
constexpr const char* special_use_names[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                             "\\Junk", "\\Sent",    "\\Trash"};

struct Mailbox {
    MailboxId id;
    AccountId account;
    std::string name;            // UTF-8, hierarchy separator '/'
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 1;
    std::uint64_t highest_modseq = 1;
    std::string special_use;     // "" or one of special_use_names
};

// What STATUS (RFC 9051 §6.3.11, RFC 8438 SIZE) and SELECT report, kept as counters so that
// reading it costs the same for ten messages or a million.
struct MailboxStatus {
    MailboxId id;
    std::uint32_t messages = 0;
    std::uint32_t unseen = 0;    // without \Seen
    std::uint32_t deleted = 0;   // with \Deleted
    std::uint64_t size = 0;      // bytes of all messages (prefix + blob each)
    std::uint32_t uidnext = 1;
    std::uint32_t uidvalidity = 0;
    std::uint64_t highest_modseq = 1;
};

// Inclusive UID ranges, as an IMAP sequence set names them once the session has resolved
// sequence numbers and "*" (RFC 9051 §9 sequence-set). The store resolves ranges against the
// UIDs that exist, in SQL: 1:4294967295 costs what the mailbox holds, not four billion.
struct UidRange {
    std::uint32_t first = 1;
    std::uint32_t last = 1;  // >= first
    friend bool operator==(const UidRange&, const UidRange&) = default;
};
using UidSet = std::vector<UidRange>;
// Every UID a mailbox can hold (RFC 9051 §2.3.1.1: UIDs are non-zero 32-bit values).
inline UidSet all_uids() { return {UidRange{1, 0xffffffffu}}; }

// One message placed in one mailbox.
// An immutable value many records hold alike: one copy behind a shared pointer. A mailbox has a
// few flag combinations and one Delivered-To prefix per recipient, so a million-message view
// costs 16 bytes a record for each instead of a heap block per record. Reads like a const T;
// assigning a T makes a new copy. An empty value holds no pointer.
template <typename T>
class Shared {
public:
    Shared() = default;
    Shared(T value)  // NOLINT(google-explicit-constructor): assigned like the T it stands for
        : value_(value.empty() ? nullptr : std::make_shared<const T>(std::move(value)))
    {
    }

    const T& get() const { return value_ ? *value_ : empty_value(); }
    operator const T&() const { return get(); }  // NOLINT(google-explicit-constructor)
    auto begin() const { return get().begin(); }
    auto end() const { return get().end(); }
    std::size_t size() const { return get().size(); }
    bool empty() const { return value_ == nullptr; }
    decltype(auto) back() const { return get().back(); }
    friend bool operator==(const Shared& a, const Shared& b) { return a.get() == b.get(); }

private:
    static const T& empty_value()
    {
        static const T none;
        return none;
    }

    std::shared_ptr<const T> value_;
};

using FlagList = Shared<std::vector<std::string>>;
using SharedText = Shared<std::string>;

// A selected mailbox's view holds one of these per message (imap/server/mailbox_views.hpp):
// 104 bytes, the two 32-bit fields side by side so that nothing is padding.
struct MessageRecord {
    MailboxId mailbox;
    std::uint32_t uid = 0;
    std::uint32_t uidvalidity = 0;  // of its mailbox (APPENDUID, RFC 4315 §3)
    std::uint64_t modseq = 0;
    BlobId blob;
    std::uint64_t size = 0;
    std::int64_t internal_date = 0;  // Unix seconds
    FlagList flags;                  // system flags and keywords, e.g. "\\Seen"
    // Header lines only this copy has, before the shared blob ("Delivered-To: ...\r\n"):
    // the message is prefix + blob, and `size` counts both. Keeps one blob for all recipients.
    SharedText prefix;
};

// Where a queued recipient stands. Failed: for good (a 5xx, or the queue lifetime ran out);
// the queue runner has bounced it where the sender asked for that (RFC 3461 §4.1).
enum class RecipientState { Pending = 0, Delivered = 1, Failed = 2 };

// A message waiting in the outbound queue, with the recipients it still has to reach.
struct QueuedRecipient {
    std::string address;
    std::string params;  // the SMTP layer's serialised RFC 3461 NOTIFY / ORCPT
    RecipientState state = RecipientState::Pending;
    // The last word on it: the remote reply ("550 5.1.1 No such user") or our own reason
    // ("connection refused"), and who gave it ("mx.example.com [192.0.2.1]", or empty).
    std::string last_reply{};
    std::string remote{};
};

struct QueuedMessage {
    std::int64_t id = 0;
    BlobId blob;
    std::uint64_t size = 0;
    std::string envelope_from;  // empty: the null reverse-path (RFC 5321 §4.5.5)
    std::string params;         // ENVID, RET, BODY, SMTPUTF8, REQUIRETLS ... serialised by SMTP
    std::int64_t created = 0;       // Unix seconds
    std::int64_t next_attempt = 0;  // Unix seconds
    std::uint32_t attempts = 0;     // delivery attempts recorded so far
    bool held = false;              // `harbor queue hold`: not attempted until released
    bool delay_warned = false;      // the delay notice (RFC 3464 action "delayed") went out
    bool retry_requested = false;   // `harbor queue retry` since the last recorded attempt
    std::vector<QueuedRecipient> recipients;  // all, in the order they were queued
    // Header lines only the relayed copy has (OutboundCopy::prefix): the message sent is
    // prefix + blob, and `size` counts both.
    std::string prefix;
};

// An MTA-STS policy as fetched (RFC 8461 §5.1), kept by the queue runner across restarts.
struct StsPolicyRecord {
    std::string domain;        // lower case
    std::string id;            // the id of the domain's "_mta-sts" TXT record
    std::string policy;        // the policy file's text, parsed again when read
    std::int64_t fetched = 0;  // Unix seconds
    std::int64_t expires = 0;  // fetched + the policy's max_age
    friend bool operator==(const StsPolicyRecord&, const StsPolicyRecord&) = default;
};

// A DKIM signing key of a local domain (RFC 6376 §3.6): the private half, kept here (the
// database file is private to the server's user); the public half is derived when needed.
// One key per domain is active, the one that signs; the others stay listed so that their DNS
// records are kept published while mail signed with them is still in transit (rotation).
struct DkimKeyRecord {
    std::string domain;        // lower case
    std::string selector;      // s=; the record is at <selector>._domainkey.<domain>
    std::string algorithm;     // "rsa-sha256" or "ed25519-sha256"
    std::string private_pem;   // PKCS#8 PEM
    std::int64_t created = 0;  // Unix seconds
    bool active = false;
    friend bool operator==(const DkimKeyRecord&, const DkimKeyRecord&) = default;
};

// How a route's connection is protected (Postfix's smtp_tls_security_level may, encrypt,
// secure): STARTTLS when offered; STARTTLS or no delivery; STARTTLS with the certificate
// verified for the route's host name.
enum class RouteTls { Opportunistic = 0, Required = 1, Verify = 2 };

// `harbor route add`: a domain's mail goes to `host` instead of the domain's MX (gateway mode,
// an internal server); the domain "*" is the smart host for all remote mail.
struct Route {
    std::string domain;  // lower case, or "*"
    std::string host;    // a host name (its A/AAAA, no MX) or an IP address
    std::uint16_t port = 25;
    RouteTls tls = RouteTls::Opportunistic;
    std::string auth_user{};  // SMTP AUTH (RFC 4954) when not empty; sent only over TLS
    std::string auth_password{};
    friend bool operator==(const Route&, const Route&) = default;
};

// `harbor queue hold|release|retry|delete`.
enum class QueueAction { Hold, Release, RetryNow, Delete };

// A new, empty file for a message body, created where the store keeps it (a placed blob,
// blob_store.hpp), open for writing; whoever holds it closes fd.
struct PlacedFile {
    std::string name;  // the blob's name
    std::filesystem::path path;
    int fd = -1;
};

}  // namespace harbor::store
