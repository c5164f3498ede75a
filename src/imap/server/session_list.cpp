// LIST (RFC 9051 §6.3.9) with LIST-EXTENDED (RFC 5258: selection options SUBSCRIBED, REMOTE,
// RECURSIVEMATCH; return options SUBSCRIBED, CHILDREN; several patterns; \NonExistent and
// CHILDINFO), LIST-STATUS (RFC 5819), SPECIAL-USE (RFC 6154 §2, §5.1) and CHILDREN (RFC 3348),
// and LSUB (RFC 3501 §6.3.9; gone from IMAP4rev2 but kept for IMAP4rev1 clients).
// Names: every mailbox, INBOX, every \Noselect name a DELETE left (RFC 9051 §6.3.5), every
// subscription, and the parents these imply. A \Noselect name is listed as such; a parent that
// is only implied (by a subscription, or by a mailbox deleted before the store kept such names)
// is \Noselect too, or \NonExistent under the extended syntax, with \HasChildren if names are
// below it.
// SECURITY: patterns are untrusted (at most ParseLimits::max_list_items of them). Each is
// matched in O(pattern x name) without backtracking, after runs of wildcards are collapsed,
// and a LIST whose matching would cost more than max_match_cells is refused with [LIMIT].
#include <algorithm>
#include <map>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "imap/fetch/imap_string.hpp"
#include "imap/protocol/mailbox_name.hpp"
#include "imap/server/session_state.hpp"
#include "store/awaitable.hpp"

namespace harbor::imap::server {
namespace {

using net::Awaitable;

// Pattern octets x name octets the matcher may visit for one LIST: a few milliseconds on
// the io thread, enough for hundreds of patterns over hundreds of mailboxes.
constexpr std::uint64_t max_match_cells = 32u << 20;

// INBOX is case-insensitive (RFC 9051 §5.1): a pattern starting with it in any case is
// written as the store writes the name.
std::string canonical_pattern(std::string pattern)
{
    if (pattern.size() >= 5) {
        std::string head = pattern.substr(0, 5);
        std::transform(head.begin(), head.end(), head.begin(), ascii_upper);
        if (head == "INBOX" && (pattern.size() == 5 || pattern[5] == hierarchy_separator)) {
            pattern.replace(0, 5, "INBOX");
        }
    }
    return pattern;
}

// A pattern ready to match: runs of wildcards collapsed ("%*" and "**" are "*", "%%" is
// "%"), so that its length is at most twice its literal octets plus one.
struct Pattern {
    std::string text;
    std::size_t literals = 0;  // octets that must each match one octet of the name
};

Pattern compile_pattern(std::string_view raw)
{
    Pattern pattern;
    for (std::size_t i = 0; i < raw.size();) {
        if (raw[i] != '*' && raw[i] != '%') {
            pattern.text += raw[i++];
            ++pattern.literals;
            continue;
        }
        char wildcard = '%';
        for (; i < raw.size() && (raw[i] == '*' || raw[i] == '%'); ++i) {
            if (raw[i] == '*') {
                wildcard = '*';
            }
        }
        pattern.text += wildcard;
    }
    return pattern;
}

// Matches names against compiled patterns, counting the work so that a LIST stays bounded.
class Matcher {
public:
    // RFC 9051 §6.3.9: "*" matches anything, "%" anything but the hierarchy separator.
    // Dynamic programming over the pattern, one row per name octet: no backtracking.
    bool matches(const Pattern& pattern, std::string_view name)
    {
        const std::string& text = pattern.text;
        if (pattern.literals > name.size()) {
            return false;  // each literal octet needs an octet of the name
        }
        const std::size_t prefix = text.find_first_of("*%");
        if (prefix == std::string::npos) {
            return text == name;
        }
        if (name.compare(0, prefix, text, 0, prefix) != 0) {
            return false;
        }
        cells_ += static_cast<std::uint64_t>(text.size() + 1) * (name.size() + 1);
        if (cells_ > max_match_cells) {
            return false;  // the caller sees over_budget() and refuses the LIST
        }
        row_.assign(text.size() + 1, 0);
        row_[0] = 1;
        for (std::size_t j = 0; j < text.size() && (text[j] == '*' || text[j] == '%'); ++j) {
            row_[j + 1] = 1;
        }
        for (const char c : name) {
            next_.assign(text.size() + 1, 0);
            for (std::size_t j = 0; j < text.size(); ++j) {
                const char p = text[j];
                if (p == '*' || (p == '%' && c != hierarchy_separator)) {
                    next_[j + 1] = static_cast<char>(next_[j] || row_[j + 1] || row_[j]);
                } else if (p == '%') {
                    next_[j + 1] = next_[j];
                } else {
                    next_[j + 1] = static_cast<char>(row_[j] && p == c);
                }
            }
            row_.swap(next_);
        }
        return row_[text.size()] != 0;
    }

    bool over_budget() const { return cells_ > max_match_cells; }

private:
    std::uint64_t cells_ = 0;
    std::vector<char> row_;
    std::vector<char> next_;
};

// One name LIST or LSUB may show.
struct Node {
    bool exists = false;  // a mailbox (or INBOX): selectable
    bool noselect = false;  // a name kept by DELETE (RFC 9051 §6.3.5): exists, not selectable
    bool subscribed = false;
    bool has_mailbox_below = false;  // \HasChildren (RFC 3348, RFC 5258 §4)
    std::string special_use;
    store::MailboxId id;
};

using Tree = std::map<std::string, Node>;

// Calls f(parent) for each proper superior of name, nearest first ("a/b/c": "a/b", "a").
template <typename F>
void for_each_superior(std::string_view name, F f)
{
    for (std::size_t cut = name.rfind(hierarchy_separator);
         cut != std::string_view::npos && cut > 0; cut = name.rfind(hierarchy_separator, cut - 1)) {
        f(std::string(name.substr(0, cut)));
    }
}

Tree build_tree(const std::vector<store::Mailbox>& boxes,
                const std::vector<std::string>& noselect_names,
                const std::vector<std::string>& subscriptions)
{
    Tree tree;
    tree["INBOX"].exists = true;  // RFC 9051 §5.1: INBOX always exists for the user
    for (const store::Mailbox& box : boxes) {
        Node& node = tree[box.name];
        node.exists = true;
        node.id = box.id;
        node.special_use = box.special_use;
        for_each_superior(box.name, [&tree](std::string parent) {
            tree[std::move(parent)].has_mailbox_below = true;
        });
    }
    for (const std::string& name : noselect_names) {
        tree[name].noselect = true;
        for_each_superior(name, [&tree](std::string parent) {
            tree[std::move(parent)].has_mailbox_below = true;
        });
    }
    for (const std::string& name : subscriptions) {
        tree[name].subscribed = true;
        for_each_superior(name, [&tree](std::string parent) { (void)tree[std::move(parent)]; });
    }
    return tree;
}

// What a LIST command asks for, options checked (RFC 5258 §3, RFC 6154 §5.1, RFC 5819 §2).
struct ListRequest {
    bool lsub = false;
    bool extended = false;  // any LIST-EXTENDED syntax: \NonExistent, not \Noselect
    bool select_subscribed = false;
    bool select_special_use = false;
    bool recursive_match = false;
    bool return_subscribed = false;
    bool return_status = false;
    std::vector<StatusItem> status_items;
};

// Errc::Invalid (BAD) for an unknown option or RECURSIVEMATCH alone (RFC 5258 §3: "MUST NOT
// occur as the only selection option (or only with REMOTE)").
Result<ListRequest> check_request(const ListArgs& args, bool lsub)
{
    ListRequest request;
    request.lsub = lsub;
    request.extended = args.extended_syntax;
    for (const std::string& option : args.select_options) {
        if (option == "SUBSCRIBED") {
            request.select_subscribed = true;
        } else if (option == "SPECIAL-USE") {
            request.select_special_use = true;  // RFC 6154 §5.1
        } else if (option == "RECURSIVEMATCH") {
            request.recursive_match = true;
        } else if (option != "REMOTE") {  // no remote mailboxes: nothing to add (§3)
            return unexpected(Errc::Invalid, "Unknown LIST selection option " + option);
        }
    }
    if (request.recursive_match && !request.select_subscribed && !request.select_special_use) {
        return unexpected(Errc::Invalid, "RECURSIVEMATCH needs another selection option");
    }
    for (const std::string& option : args.return_options) {
        if (option == "SUBSCRIBED") {
            request.return_subscribed = true;
        } else if (option != "CHILDREN" && option != "SPECIAL-USE") {
            // Both are always returned: accepting them costs nothing (RFC 6154 §5.1).
            return unexpected(Errc::Invalid, "Unknown LIST return option " + option);
        }
    }
    // RFC 5258 §3: SUBSCRIBED selection implies the SUBSCRIBED return option.
    request.return_subscribed = request.return_subscribed || request.select_subscribed;
    request.return_status = args.return_status_requested;
    request.status_items = args.return_status;
    return request;
}

// Whether a name meets the selection criteria (RFC 5258 §3): without any, every name that
// exists or has mailboxes below it; LSUB: subscribed names (RFC 3501 §6.3.9).
bool selected_by(const ListRequest& request, const Node& node)
{
    if (request.lsub) {
        return node.subscribed;
    }
    if (!request.select_subscribed && !request.select_special_use) {
        return node.exists || node.noselect || node.has_mailbox_below;
    }
    return (!request.select_subscribed || node.subscribed) &&
           (!request.select_special_use || (node.exists && !node.special_use.empty()));
}

// A name to answer with; childinfo: RECURSIVEMATCH found selected names below it (RFC 5258
// §3.5); lsub_parent: LSUB's "%" rule (RFC 3501 §6.3.9).
struct Listed {
    bool childinfo = false;
    bool lsub_parent = false;
};

std::string list_attributes(const ListRequest& request, const Node& node, const Listed& listed)
{
    std::vector<std::string> attributes;
    if (request.lsub) {
        // RFC 3501 §6.3.9: \Noselect for a parent returned by "%" that is not subscribed,
        // and for a subscribed name that is no mailbox.
        if (listed.lsub_parent || !node.exists) {
            attributes.emplace_back("\\Noselect");
        }
    } else {
        if (!node.exists) {
            // RFC 5258 §3.4: \NonExistent implies \Noselect; base LIST says \Noselect
            // (RFC 9051 §6.3.9: "%" levels that are not selectable). A name kept by DELETE
            // exists: \Noselect under either syntax.
            attributes.emplace_back(request.extended && !node.noselect ? "\\NonExistent"
                                                                       : "\\Noselect");
        }
        attributes.emplace_back(node.has_mailbox_below ? "\\HasChildren" : "\\HasNoChildren");
        if (node.exists && !node.special_use.empty()) {
            attributes.push_back(node.special_use);
        }
        if (request.return_subscribed && node.subscribed) {
            attributes.emplace_back("\\Subscribed");
        }
    }
    std::string text = "(";
    for (std::size_t i = 0; i < attributes.size(); ++i) {
        text += (i > 0 ? " " : "") + attributes[i];
    }
    return text + ")";
}

// RFC 5258 §3.5: the selection criteria the names below satisfy, as CHILDINFO.
std::string childinfo(const ListRequest& request)
{
    std::string criteria;
    if (request.select_subscribed) {
        criteria += "\"SUBSCRIBED\"";
    }
    if (request.select_special_use) {
        criteria += std::string(criteria.empty() ? "" : " ") + "\"SPECIAL-USE\"";
    }
    return " (\"CHILDINFO\" (" + criteria + "))";
}

// The names each pattern selects, in name order; nullopt when over the matching budget.
std::optional<std::map<std::string, Listed>> select_names(const ListRequest& request,
                                                          const Tree& tree,
                                                          const std::vector<Pattern>& patterns)
{
    Matcher matcher;
    std::map<std::string, Listed> listed;
    for (const Pattern& pattern : patterns) {
        const bool percent_last = !pattern.text.empty() && pattern.text.back() == '%';
        for (const auto& [name, node] : tree) {
            const bool match = matcher.matches(pattern, name);
            const bool wanted = selected_by(request, node);
            if (match && wanted) {
                listed[name];
                continue;
            }
            // A selected name the pattern misses shows through its superiors that it matches:
            // RECURSIVEMATCH (RFC 5258 §3) and LSUB with a trailing "%" (RFC 3501 §6.3.9).
            const bool lsub_rule = request.lsub && percent_last;
            if (match || !wanted || (!request.recursive_match && !lsub_rule)) {
                continue;
            }
            for_each_superior(name, [&](const std::string& parent) {
                if (!matcher.matches(pattern, parent)) {
                    return;
                }
                Listed& entry = listed[parent];
                entry.childinfo = entry.childinfo || request.recursive_match;
                entry.lsub_parent = entry.lsub_parent || lsub_rule;
            });
        }
        if (matcher.over_budget()) {
            return std::nullopt;
        }
    }
    if (request.lsub) {
        for (auto& [name, entry] : listed) {
            entry.lsub_parent = entry.lsub_parent && !tree.at(name).subscribed;
        }
    }
    return listed;
}

// "MESSAGES 3 UIDNEXT 7": the items of a STATUS response (RFC 9051 §7.3.2, RFC 5819 §2), as
// on_status formats them.
// What LIST reads from the store, in one trip off the io thread.
struct ListData {
    std::vector<store::Mailbox> boxes;
    std::vector<std::string> noselect_names;
    std::vector<std::string> subscriptions;
};

}  // namespace

Awaitable<void> Session::on_list(const Command& command)
{
    const auto& args = std::get<ListArgs>(command.args);
    const bool lsub = command.name == CommandName::Lsub;
    const std::string verb = lsub ? "LSUB" : "LIST";
    Result<ListRequest> checked = check_request(args, lsub);
    if (!checked) {
        refuse(command.tag, checked.error().detail);
        co_return;
    }
    const ListRequest request = std::move(*checked);
    const std::string separator = "\"/\"";
    if (args.patterns.size() == 1 && args.patterns.front().empty() && args.select_options.empty()) {
        // RFC 9051 §6.3.9: an empty pattern asks for the separator and the reference's root.
        untagged(verb + " (\\Noselect) " + separator + " \"\"");
        tagged(command.tag, "OK", verb + " completed");
        co_return;
    }
    store::Store& store = handler_.store();
    std::function<Result<ListData>()> work = [&store, id = account_->id]() -> Result<ListData> {
        ListData data;
        Result<std::vector<store::Mailbox>> boxes = store.list_mailboxes(id);
        HARBOR_TRY(boxes);
        data.boxes = std::move(*boxes);
        Result<std::vector<std::string>> noselect = store.list_noselect_names(id);
        HARBOR_TRY(noselect);
        data.noselect_names = std::move(*noselect);
        Result<std::vector<std::string>> subscriptions = store.list_subscriptions(id);
        HARBOR_TRY(subscriptions);
        data.subscriptions = std::move(*subscriptions);
        return data;
    };
    Result<ListData> data =
        co_await store::off_io_thread(handler_.blocking().messages, std::move(work));
    if (!data) {
        log::warn("imap.list.failed", {{"cid", context_.cid}, {"error", data.error().to_string()}});
        tagged(command.tag, "NO", unavailable_text);
        co_return;
    }
    const Tree tree = build_tree(data->boxes, data->noselect_names, data->subscriptions);
    std::vector<Pattern> patterns;
    for (const std::string& pattern_sent : args.patterns) {
        std::string pattern = args.reference + pattern_sent;
        if (!utf8_names()) {
            Result<std::string> decoded = decode_mutf7(pattern);
            if (decoded) {
                pattern = std::move(*decoded);
            }
        }
        patterns.push_back(compile_pattern(canonical_pattern(std::move(pattern))));
    }
    const std::optional<std::map<std::string, Listed>> listed =
        select_names(request, tree, patterns);
    if (!listed) {
        tagged(command.tag, "NO", "[LIMIT] Too many or too complex patterns");
        co_return;
    }
    // LIST-STATUS (RFC 5819 §2): STATUS for each selectable name listed, read in one trip.
    std::map<std::string, store::MailboxStatus> statuses;
    if (request.return_status) {
        std::vector<std::string> wanted;
        for (const auto& [name, entry] : *listed) {
            if (tree.at(name).exists) {
                wanted.push_back(name);
            }
        }
        using Statuses = std::map<std::string, store::MailboxStatus>;
        std::function<Result<Statuses>()> status_work =
            [&store, id = account_->id, wanted = std::move(wanted)]() -> Result<Statuses> {
            Statuses found;
            for (const std::string& name : wanted) {
                // NotFound: deleted meanwhile; RFC 5819 §2 lets its STATUS be left out.
                Result<store::Mailbox> box = store.find_mailbox(id, name);
                if (!box) {
                    if (box.error().code != Errc::NotFound) {
                        return unexpected(std::move(box).error());
                    }
                    continue;
                }
                Result<store::MailboxStatus> status = store.mailbox_status(box->id);
                if (status) {
                    found.emplace(name, *status);
                } else if (status.error().code != Errc::NotFound) {
                    return unexpected(std::move(status).error());
                }
            }
            return found;
        };
        Result<Statuses> read =
            co_await store::off_io_thread(handler_.blocking().messages, std::move(status_work));
        if (!read) {
            log::warn("imap.list.failed",
                      {{"cid", context_.cid}, {"error", read.error().to_string()}});
            tagged(command.tag, "NO", unavailable_text);
            co_return;
        }
        statuses = std::move(*read);
    }
    for (const auto& [name, entry] : *listed) {
        const Node& node = tree.at(name);
        std::string line =
            verb + " " + list_attributes(request, node, entry) + " " + separator + " ";
        append_string(line, name_for_client(name));
        if (entry.childinfo) {
            line += childinfo(request);
        }
        untagged(line);
        if (const auto status = statuses.find(name); status != statuses.end()) {
            std::string status_line = "STATUS ";
            append_string(status_line, name_for_client(name));
            status_line +=
                " (" +
                format_status_items(request.status_items, status->second, settings_.max_append) +
                ")";
            untagged(status_line);
        }
    }
    tagged(command.tag, "OK", verb + " completed");
}

}  // namespace harbor::imap::server
