// IMAP command dispatch and the commands with simple arguments: RFC 9051 §6.1-§6.4 and §9
// (tag, command-any, command-auth, command-nonauth, command-select, uid); AUTHENTICATE with
// SASL-IR (RFC 4959 §3); ENABLE (RFC 5161 §3.1); MOVE (RFC 6851 §3.1); UID EXPUNGE (RFC 4315
// §2.1); QUOTA (RFC 9208 §4.2-§4.4); ID (RFC 2971 §3.1); COMPRESS (RFC 4978 §3).
// SECURITY: see command.hpp; lists bounded by ParseLimits::max_list_items.
#include "imap/protocol/command.hpp"

#include <array>

#include "core/ascii.hpp"
#include "imap/protocol/command_parsers.hpp"

namespace harbor::imap {

using detail::parse_flag;
using detail::parse_mailbox;
using detail::parse_sequence_set_token;
using detail::upper_atom;

namespace {

struct NameEntry {
    std::string_view text;
    CommandName name;
};

constexpr std::array<NameEntry, 37> name_table = {{
    {"CAPABILITY", CommandName::Capability}, {"NOOP", CommandName::Noop},
    {"LOGOUT", CommandName::Logout},         {"STARTTLS", CommandName::Starttls},
    {"AUTHENTICATE", CommandName::Authenticate}, {"LOGIN", CommandName::Login},
    {"ENABLE", CommandName::Enable},         {"SELECT", CommandName::Select},
    {"EXAMINE", CommandName::Examine},       {"CREATE", CommandName::Create},
    {"DELETE", CommandName::Delete},         {"RENAME", CommandName::Rename},
    {"SUBSCRIBE", CommandName::Subscribe},   {"UNSUBSCRIBE", CommandName::Unsubscribe},
    {"LIST", CommandName::List},             {"LSUB", CommandName::Lsub},
    {"NAMESPACE", CommandName::Namespace},   {"STATUS", CommandName::Status},
    {"APPEND", CommandName::Append},         {"IDLE", CommandName::Idle},
    {"CHECK", CommandName::Check},           {"CLOSE", CommandName::Close},
    {"UNSELECT", CommandName::Unselect},     {"EXPUNGE", CommandName::Expunge},
    {"SEARCH", CommandName::Search},         {"FETCH", CommandName::Fetch},
    {"STORE", CommandName::Store},           {"COPY", CommandName::Copy},
    {"MOVE", CommandName::Move},             {"SORT", CommandName::Sort},
    {"THREAD", CommandName::Thread},         {"GETQUOTA", CommandName::GetQuota},
    {"GETQUOTAROOT", CommandName::GetQuotaRoot}, {"SETQUOTA", CommandName::SetQuota},
    {"ID", CommandName::Id},                 {"COMPRESS", CommandName::Compress},
    {"UID", CommandName::Noop},  // placeholder so the table covers every word; see below
}};

bool is_uid_command(CommandName name)
{
    // uid = "UID" SP (copy / move / fetch / search / store / uid-expunge) (RFC 9051 §9), and
    // SORT/THREAD (RFC 5256 §4).
    switch (name) {
    case CommandName::Copy: case CommandName::Move: case CommandName::Fetch:
    case CommandName::Search: case CommandName::Store: case CommandName::Expunge:
    case CommandName::Sort: case CommandName::Thread:
        return true;
    default:
        return false;
    }
}

bool is_base64_char(char c)
{
    return ascii_upper(c) != ascii_lower(c) || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
           c == '=';
}

bool is_sasl_mech_char(char c)
{
    // RFC 4422 §3.1: upper-case letters, digits, "-" and "_" (accepted in any case).
    return ascii_upper(c) != ascii_lower(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Result<Arguments> parse_authenticate(Cursor& cursor)
{
    HARBOR_TRY(cursor.space());
    const std::string_view mech = cursor.take_while(is_sasl_mech_char);
    if (mech.empty() || mech.size() > 20) {
        return syntax_error("invalid SASL mechanism name");
    }
    AuthenticateArgs args{std::string(mech), std::nullopt};
    for (char& c : args.mechanism) {
        c = ascii_upper(c);
    }
    if (cursor.consume(' ')) {
        // initial-resp = (base64 / "=") (RFC 4959 §7)
        const std::string_view response = cursor.take_while(is_base64_char);
        if (response.empty()) {
            return syntax_error("invalid initial response");
        }
        args.initial_response = std::string(response);
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_login(Cursor& cursor)
{
    LoginArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> user = cursor.astring();
    if (!user) {
        return unexpected(std::move(user).error());
    }
    HARBOR_TRY(cursor.space());
    Result<std::string> password = cursor.astring();
    if (!password) {
        return unexpected(std::move(password).error());
    }
    HARBOR_TRY(cursor.end());
    args.user = std::move(*user);
    args.password = std::move(*password);
    return Arguments{std::move(args)};
}

Result<Arguments> parse_enable(Cursor& cursor, const ParseLimits& limits)
{
    EnableArgs args;
    // enable = "ENABLE" 1*(SP capability) (RFC 9051 §9)
    while (cursor.consume(' ')) {
        std::string capability = upper_atom(cursor);
        if (capability.empty()) {
            return syntax_error("expected a capability name");
        }
        if (args.capabilities.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many capabilities");
        }
        args.capabilities.push_back(std::move(capability));
    }
    if (args.capabilities.empty()) {
        return syntax_error("ENABLE needs a capability");
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_one_mailbox(Cursor& cursor)
{
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    HARBOR_TRY(cursor.end());
    return Arguments{MailboxArgs{std::move(*mailbox)}};
}

Result<Arguments> parse_rename(Cursor& cursor)
{
    HARBOR_TRY(cursor.space());
    Result<std::string> from = parse_mailbox(cursor);
    if (!from) {
        return unexpected(std::move(from).error());
    }
    HARBOR_TRY(cursor.space());
    Result<std::string> to = parse_mailbox(cursor);
    if (!to) {
        return unexpected(std::move(to).error());
    }
    HARBOR_TRY(cursor.end());
    return Arguments{RenameArgs{std::move(*from), std::move(*to)}};
}

Result<Arguments> parse_copy(Cursor& cursor, const ParseLimits& limits)
{
    HARBOR_TRY(cursor.space());
    Result<SequenceSet> set = parse_sequence_set_token(cursor, limits);
    if (!set) {
        return unexpected(std::move(set).error());
    }
    HARBOR_TRY(cursor.space());
    Result<std::string> mailbox = parse_mailbox(cursor);
    if (!mailbox) {
        return unexpected(std::move(mailbox).error());
    }
    HARBOR_TRY(cursor.end());
    return Arguments{CopyArgs{std::move(*set), std::move(*mailbox)}};
}

Result<Arguments> parse_expunge(Cursor& cursor, const ParseLimits& limits, bool uid)
{
    ExpungeArgs args;
    if (uid) {
        HARBOR_TRY(cursor.space());
        Result<SequenceSet> set = parse_sequence_set_token(cursor, limits);
        if (!set) {
            return unexpected(std::move(set).error());
        }
        args.uids = std::move(*set);
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_getquota(Cursor& cursor)
{
    HARBOR_TRY(cursor.space());
    Result<std::string> root = cursor.astring();  // quota-root = astring (RFC 9208 §7)
    if (!root) {
        return unexpected(std::move(root).error());
    }
    HARBOR_TRY(cursor.end());
    return Arguments{QuotaRootArgs{std::move(*root)}};
}

Result<Arguments> parse_setquota(Cursor& cursor, const ParseLimits& limits)
{
    // setquota = "SETQUOTA" SP quota-root-name SP setquota-list; setquota-list = "("
    // [setquota-resource *(SP setquota-resource)] ")"; setquota-resource = resource-name SP
    // resource-limit (number64) (RFC 9208 §7).
    SetQuotaArgs args;
    HARBOR_TRY(cursor.space());
    Result<std::string> root = cursor.astring();
    if (!root) {
        return unexpected(std::move(root).error());
    }
    args.root = std::move(*root);
    HARBOR_TRY(cursor.space());
    HARBOR_TRY(cursor.expect('(', "'('"));
    while (!cursor.consume(')')) {
        if (!args.limits.empty()) {
            HARBOR_TRY(cursor.space());
        }
        std::string resource = upper_atom(cursor);
        if (resource.empty()) {
            return syntax_error("expected a quota resource name");
        }
        HARBOR_TRY(cursor.space());
        Result<std::uint64_t> limit = cursor.number64();
        if (!limit) {
            return unexpected(std::move(limit).error());
        }
        if (args.limits.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many quota resources");
        }
        args.limits.emplace_back(std::move(resource), *limit);
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_id(Cursor& cursor, const ParseLimits& limits)
{
    // id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil
    // (RFC 2971 §4; pairs are space-separated).
    IdArgs args;
    HARBOR_TRY(cursor.space());
    if (cursor.consume_word("NIL")) {
        HARBOR_TRY(cursor.end());
        return Arguments{std::move(args)};
    }
    HARBOR_TRY(cursor.expect('(', "'(' or NIL"));
    args.fields.emplace();
    while (!cursor.consume(')')) {
        if (!args.fields->empty()) {
            HARBOR_TRY(cursor.space());
        }
        Result<std::string> field = cursor.string();
        if (!field) {
            return unexpected(std::move(field).error());
        }
        HARBOR_TRY(cursor.space());
        bool is_nil = false;
        Result<std::string> value = cursor.nstring_or_nil(is_nil);
        if (!value) {
            return unexpected(std::move(value).error());
        }
        // RFC 2971 §3.3: at most 30 pairs; ParseLimits may be tighter or looser.
        if (args.fields->size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many ID fields");
        }
        args.fields->emplace_back(std::move(*field),
                                  is_nil ? std::nullopt : std::optional<std::string>(*value));
    }
    HARBOR_TRY(cursor.end());
    return Arguments{std::move(args)};
}

Result<Arguments> parse_compress(Cursor& cursor)
{
    HARBOR_TRY(cursor.space());
    std::string algorithm = upper_atom(cursor);
    if (algorithm.empty()) {
        return syntax_error("expected a compression algorithm");
    }
    HARBOR_TRY(cursor.end());
    return Arguments{CompressArgs{std::move(algorithm)}};
}

Result<Arguments> parse_arguments(Cursor& cursor, CommandName name, bool uid,
                                  const ParseLimits& limits)
{
    switch (name) {
    case CommandName::Capability: case CommandName::Noop: case CommandName::Logout:
    case CommandName::Starttls: case CommandName::Namespace: case CommandName::Idle:
    case CommandName::Check: case CommandName::Close: case CommandName::Unselect:
        HARBOR_TRY(cursor.end());
        return Arguments{};
    case CommandName::Authenticate: return parse_authenticate(cursor);
    case CommandName::Login: return parse_login(cursor);
    case CommandName::Enable: return parse_enable(cursor, limits);
    case CommandName::Select: case CommandName::Examine:
        return detail::parse_select_args(cursor, limits);
    case CommandName::Create: return detail::parse_create_args(cursor, limits);
    case CommandName::Delete: case CommandName::Subscribe: case CommandName::Unsubscribe:
    case CommandName::GetQuotaRoot:
        return parse_one_mailbox(cursor);
    case CommandName::Rename: return parse_rename(cursor);
    case CommandName::List: return detail::parse_list_args(cursor, limits, false);
    case CommandName::Lsub: return detail::parse_list_args(cursor, limits, true);
    case CommandName::Status: return detail::parse_status_args(cursor, limits);
    case CommandName::Append: return detail::parse_append_args(cursor, limits);
    case CommandName::Expunge: return parse_expunge(cursor, limits, uid);
    case CommandName::Search: return detail::parse_search_args(cursor, limits);
    case CommandName::Fetch: return detail::parse_fetch_args(cursor, limits);
    case CommandName::Store: return detail::parse_store_args(cursor, limits);
    case CommandName::Copy: case CommandName::Move: return parse_copy(cursor, limits);
    case CommandName::Sort: return detail::parse_sort_args(cursor, limits);
    case CommandName::Thread: return detail::parse_thread_args(cursor, limits);
    case CommandName::GetQuota: return parse_getquota(cursor);
    case CommandName::SetQuota: return parse_setquota(cursor, limits);
    case CommandName::Id: return parse_id(cursor, limits);
    case CommandName::Compress: return parse_compress(cursor);
    }
    return syntax_error("unknown command");
}

std::optional<CommandName> find_name(std::string_view word)
{
    for (std::size_t i = 0; i + 1 < name_table.size(); ++i) {
        if (iequals(word, name_table[i].text)) {
            return name_table[i].name;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view command_name_text(CommandName name)
{
    for (const NameEntry& entry : name_table) {
        if (entry.name == name) {
            return entry.text;
        }
    }
    return "NOOP";
}

Result<Command> parse_command(const RawCommand& raw, const ParseLimits& limits)
{
    if (raw.pieces.empty()) {
        return syntax_error("empty command");
    }
    Command command;
    const std::string_view tag = command_tag(raw.pieces.front().data);
    if (tag.empty()) {
        return syntax_error("missing or invalid tag");  // RFC 9051 §2.2.1
    }
    if (tag.size() > limits.max_tag) {
        return unexpected(Errc::Limit, "tag too long");
    }
    command.tag = std::string(tag);
    Cursor cursor(raw);
    cursor.astring_atom();  // the tag, already read
    HARBOR_TRY(cursor.space());
    std::string_view word = cursor.atom();
    if (iequals(word, "UID")) {
        command.uid = true;
        HARBOR_TRY(cursor.space());
        word = cursor.atom();
    }
    const std::optional<CommandName> name = find_name(word);
    if (!name) {
        return unexpected(Errc::Unsupported, word.empty() ? "missing command name"
                                                          : "unknown command");
    }
    if (command.uid && !is_uid_command(*name)) {
        return syntax_error("command cannot follow UID");
    }
    command.name = *name;
    Result<Arguments> args = parse_arguments(cursor, *name, command.uid, limits);
    if (!args) {
        return unexpected(std::move(args).error());
    }
    command.args = std::move(*args);
    return command;
}

namespace detail {

std::string upper_atom(Cursor& cursor)
{
    std::string out(cursor.atom());
    for (char& c : out) {
        c = ascii_upper(c);
    }
    return out;
}

Result<std::string> parse_mailbox(Cursor& cursor)
{
    Result<std::string> name = cursor.astring();
    if (name && iequals(*name, "INBOX")) {
        *name = "INBOX";  // RFC 9051 §9: "INBOX" is case-insensitive
    }
    return name;
}

Result<SequenceSet> parse_sequence_set_token(Cursor& cursor, const ParseLimits& limits)
{
    const std::string_view text = cursor.take_while(
        [](char c) { return (c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*' || c == '$'; });
    return parse_sequence_set(text, limits.sequence);
}

Result<std::string> parse_flag(Cursor& cursor)
{
    // flag-extension = "\" atom; flag-keyword = "$MDNSent" / ... / atom (RFC 9051 §9)
    const bool system = cursor.consume('\\');
    const std::string_view name = cursor.atom();
    if (name.empty()) {
        return syntax_error("invalid flag");
    }
    return (system ? std::string("\\") : std::string()) + std::string(name);
}

Result<std::vector<std::string>> parse_flag_list(Cursor& cursor, const ParseLimits& limits)
{
    HARBOR_TRY(cursor.expect('(', "'(' before flags"));
    std::vector<std::string> flags;
    while (!cursor.consume(')')) {
        if (!flags.empty()) {
            HARBOR_TRY(cursor.space());
        }
        Result<std::string> flag = parse_flag(cursor);
        if (!flag) {
            return unexpected(std::move(flag).error());
        }
        if (flags.size() >= limits.max_list_items) {
            return unexpected(Errc::Limit, "too many flags");
        }
        flags.push_back(std::move(*flag));
    }
    return flags;
}

}  // namespace detail
}  // namespace harbor::imap
