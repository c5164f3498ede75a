// Internal to imap/protocol: the argument parsers of each command family, shared by
// command.cpp (dispatch, simple commands), command_mailbox.cpp, command_search.cpp and
// command_fetch.cpp. Each starts after the command name (and its SP, where arguments follow)
// and must consume the whole remaining command.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "imap/protocol/command.hpp"
#include "imap/protocol/cursor.hpp"

namespace harbor::imap::detail {

Result<Arguments> parse_select_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_create_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_list_args(Cursor& cursor, const ParseLimits& limits, bool lsub);
Result<Arguments> parse_status_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_append_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_search_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_sort_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_thread_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_fetch_args(Cursor& cursor, const ParseLimits& limits);
Result<Arguments> parse_store_args(Cursor& cursor, const ParseLimits& limits);

// mailbox = "INBOX" / astring (RFC 9051 §9); "inbox" in any case becomes "INBOX".
Result<std::string> parse_mailbox(Cursor& cursor);
// sequence-set as an atom-like token (RFC 9051 §9).
Result<SequenceSet> parse_sequence_set_token(Cursor& cursor, const ParseLimits& limits);
// flag = "\Answered" / ... / flag-keyword / flag-extension (RFC 9051 §9).
Result<std::string> parse_flag(Cursor& cursor);
// flag-list = "(" [flag *(SP flag)] ")"
Result<std::vector<std::string>> parse_flag_list(Cursor& cursor, const ParseLimits& limits);
// An atom in upper case (option and item names).
std::string upper_atom(Cursor& cursor);

}  // namespace harbor::imap::detail
