// IMAP client commands as typed values (RFC 9051 §6, §9 "command") with the extensions
// Harbor speaks: CONDSTORE/QRESYNC (RFC 7162), LIST-EXTENDED (RFC 5258), LIST-STATUS
// (RFC 5819), SPECIAL-USE (RFC 6154), SASL-IR (RFC 4959), MOVE (RFC 6851), UIDPLUS UID EXPUNGE
// (RFC 4315), ESEARCH/SEARCHRES (RFC 4731, RFC 5182), SORT/THREAD (RFC 5256), QUOTA
// (RFC 9208), ID (RFC 2971), COMPRESS (RFC 4978), BINARY (RFC 3516), MULTIAPPEND (RFC 3502),
// WITHIN (RFC 5032), APPENDLIMIT status (RFC 7889), ENABLE (RFC 5161), UNSELECT (RFC 3691).
// parse_command() turns a RawCommand from command_reader.hpp into a Command; a failure carries
// the human reason for the BAD response (Error::detail), and command_tag() gives its tag.
// SECURITY: untrusted input. Every list is bounded by ParseLimits, search keys by depth and
// count; nothing recurses except search keys (depth-limited). Fuzzed by fuzz_imap_command.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "imap/protocol/command_reader.hpp"
#include "imap/protocol/date_time.hpp"
#include "imap/protocol/fetch_attribute.hpp"
#include "imap/protocol/search_key.hpp"
#include "imap/protocol/sequence_set.hpp"

namespace harbor::imap {

enum class CommandName {
    Capability, Noop, Logout,                          // any state, RFC 9051 §6.1
    Starttls, Authenticate, Login,                     // not authenticated, §6.2
    Enable, Select, Examine, Create, Delete, Rename,   // authenticated, §6.3
    Subscribe, Unsubscribe, List, Lsub, Namespace, Status, Append, Idle,
    Check, Close, Unselect, Expunge, Search, Fetch,    // selected, §6.4
    Store, Copy, Move, Sort, Thread,
    GetQuota, GetQuotaRoot, SetQuota,                  // RFC 9208 §4
    Id,                                                // RFC 2971 §3.1
    Compress,                                          // RFC 4978 §3
};

// The command's name as clients write it ("UID" is not part of it).
std::string_view command_name_text(CommandName name);

struct AuthenticateArgs {
    std::string mechanism;  // upper case
    // SASL-IR (RFC 4959 §3): the base64 text as sent, "=" for an empty response; nullopt when
    // absent. Decoding belongs to the SASL exchange.
    std::optional<std::string> initial_response;
};

struct LoginArgs {
    std::string user;
    std::string password;
};

struct EnableArgs {
    std::vector<std::string> capabilities;  // upper case
};

// QRESYNC select parameter (RFC 7162 §3.2.5): (uidvalidity mod-sequence [known-uids
// [(known-sequence-set known-uid-set)]]).
struct QresyncParams {
    std::uint32_t uid_validity = 0;
    std::uint64_t mod_seq = 0;
    std::optional<SequenceSet> known_uids;
    std::optional<SequenceSet> match_sequence_numbers;
    std::optional<SequenceSet> match_uids;
};

struct SelectArgs {  // SELECT and EXAMINE
    std::string mailbox;  // as sent: UTF-8 or modified UTF-7; see mailbox_name.hpp
    bool condstore = false;  // RFC 7162 §3.1.8
    std::optional<QresyncParams> qresync;
};

struct CreateArgs {
    std::string mailbox;
    std::vector<std::string> special_use;  // RFC 6154 §3: (USE (\Drafts ...)), as written
};

struct MailboxArgs {  // DELETE, SUBSCRIBE, UNSUBSCRIBE, GETQUOTAROOT
    std::string mailbox;
};

struct RenameArgs {
    std::string from;
    std::string to;
};

enum class StatusItem {
    Messages, UidNext, UidValidity, Unseen, Deleted, Size, HighestModSeq, Recent, AppendLimit,
};

struct ListArgs {  // LIST (RFC 9051 §6.3.9, RFC 5258 §3) and LSUB (RFC 3501 §6.3.9)
    std::vector<std::string> select_options;  // upper case: SUBSCRIBED REMOTE ...
    std::string reference;
    std::vector<std::string> patterns;         // one, or several with LIST-EXTENDED
    std::vector<std::string> return_options;   // upper case, STATUS excluded
    std::vector<StatusItem> return_status;     // RETURN (STATUS (...)) (RFC 5819 §2)
    bool return_status_requested = false;
    // Any LIST-EXTENDED syntax, even empty: a selection list, a pattern list or RETURN. It
    // makes a non-existent parent \NonExistent rather than \Noselect (RFC 5258 §3, §3.4).
    bool extended_syntax = false;
};

struct StatusArgs {
    std::string mailbox;
    std::vector<StatusItem> items;
};

struct AppendMessage {
    std::vector<std::string> flags;
    std::optional<DateTime> internal_date;
    std::string data;
    bool binary = false;  // sent as literal8 (RFC 3516 §4.4)
};

struct AppendArgs {
    std::string mailbox;
    std::vector<AppendMessage> messages;  // more than one: MULTIAPPEND (RFC 3502 §6.3.11)
};

struct ExpungeArgs {
    std::optional<SequenceSet> uids;  // UID EXPUNGE (RFC 4315 §2.1, RFC 9051 §6.4.9)
};

struct SearchArgs {
    bool return_specified = false;  // "RETURN (...)" present: answer with ESEARCH
    std::vector<SearchReturn> return_options;  // empty with return_specified means ALL
    std::string charset;  // empty when absent
    SearchKey key;        // an And of the top-level keys
};

struct FetchArgs {
    SequenceSet set;
    std::vector<FetchAttribute> attributes;  // macros expanded (RFC 9051 §6.4.5)
    std::optional<std::uint64_t> changed_since;  // RFC 7162 §3.1.4.1
    bool vanished = false;                       // RFC 7162 §3.2.6
};

struct StoreArgs {
    SequenceSet set;
    std::optional<std::uint64_t> unchanged_since;  // RFC 7162 §3.1.3
    StoreMode mode = StoreMode::Replace;
    bool silent = false;
    std::vector<std::string> flags;
};

struct CopyArgs {  // COPY and MOVE
    SequenceSet set;
    std::string mailbox;
};

struct SortArgs {
    std::vector<SortCriterion> criteria;
    std::string charset;
    SearchKey key;
};

struct ThreadArgs {
    std::string algorithm;  // upper case: ORDEREDSUBJECT, REFERENCES
    std::string charset;
    SearchKey key;
};

struct QuotaRootArgs {  // GETQUOTA
    std::string root;
};

struct SetQuotaArgs {
    std::string root;
    std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource (upper case), limit
};

struct IdArgs {
    // nullopt for "ID NIL"; a NIL value is nullopt (RFC 2971 §3.1).
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> fields;
};

struct CompressArgs {
    std::string algorithm;  // upper case; DEFLATE is the only one defined (RFC 4978 §3)
};

using Arguments = std::variant<std::monostate, AuthenticateArgs, LoginArgs, EnableArgs, SelectArgs,
                               CreateArgs, MailboxArgs, RenameArgs, ListArgs, StatusArgs,
                               AppendArgs, ExpungeArgs, SearchArgs, FetchArgs, StoreArgs, CopyArgs,
                               SortArgs, ThreadArgs, QuotaRootArgs, SetQuotaArgs, IdArgs,
                               CompressArgs>;

struct Command {
    std::string tag;
    CommandName name = CommandName::Noop;
    bool uid = false;  // "UID FETCH" etc. (RFC 9051 §6.4.9)
    Arguments args;
};

struct ParseLimits {
    std::size_t max_search_depth = 32;    // nested parentheses / NOT / OR
    std::size_t max_search_keys = 1000;   // keys in one command
    std::size_t max_list_items = 1000;    // flags, patterns, fetch items, status items, ...
    std::size_t max_append_messages = 100;  // MULTIAPPEND
    std::size_t max_tag = 64;             // octets of a tag
    SequenceLimits sequence;
};

// Parses one complete command. Errc::Invalid: a syntax error, detail is the reason for the
// BAD text; Errc::Limit: a ParseLimits bound; Errc::Unsupported: an unknown command name.
Result<Command> parse_command(const RawCommand& raw, const ParseLimits& limits = {});

}  // namespace harbor::imap
