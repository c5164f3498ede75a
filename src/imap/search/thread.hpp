// THREAD (RFC 5256 §3): the ORDEREDSUBJECT and REFERENCES algorithms over the messages a
// search program selected, and the response text "(1 2)(3 (4)(5))" (RFC 5256 §4, thread-list).
// SECURITY: Message-ID, References and In-Reply-To are untrusted and may form loops, chains of
// any length and millions of ids. Each message contributes at most max_thread_references ids;
// every link is checked for loops before it is made; the trees are walked with heap stacks
// (a reply chain of any depth costs no C++ stack), and sizes are linear in the ids read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "imap/search/message_view.hpp"

namespace harbor::imap {

// DEVIATION(RFC 5256 §3 REFERENCES step 1.B): only the last 256 ids of References are used;
// they are the nearest ancestors, and the loop check is linear in the chain each time.
constexpr std::size_t max_thread_references = 256;

enum class ThreadAlgorithm { OrderedSubject, References };

// "ORDEREDSUBJECT" or "REFERENCES" (upper case, as ThreadArgs::algorithm holds it).
std::optional<ThreadAlgorithm> thread_algorithm(std::string_view name);

// What threading reads of one message.
struct ThreadMessage {
    std::uint32_t number = 0;     // written in the response: sequence number or UID
    std::uint32_t sequence = 0;   // mailbox order, the tie-break of RFC 5256 §2.2
    std::int64_t sent_date = 0;   // RFC 5256 §2.2, UTC (sort.hpp sent_date())
    std::string base_subject;     // RFC 5256 §2.1, folded (casemap.hpp)
    bool reply_or_forward = false;
    std::string message_id;       // without brackets; empty: none
    // References, or the first id of In-Reply-To when References has none (RFC 5256 §3
    // REFERENCES step 1), oldest first; at most max_thread_references (the last ones).
    std::vector<std::string> references;
};

// Reads the fields from the message's content (header); without content, only the numbers
// and the internal date as sent date.
ThreadMessage thread_message_of(const MessageView& message, std::uint32_t number);

struct ThreadTree {
    static constexpr std::uint32_t dummy = 0;  // a node without a message (RFC 5256 §3)
    struct Node {
        std::uint32_t number = dummy;
        std::vector<std::size_t> children;  // indices into nodes, in thread order
    };
    std::vector<Node> nodes;
    std::vector<std::size_t> roots;  // in thread order
};

// Each thread's first message is the root, the others its children, all in sent-date order;
// threads ordered by their first message (RFC 5256 §3 ORDEREDSUBJECT).
ThreadTree thread_ordered_subject(std::span<const ThreadMessage> messages);

// The REFERENCES algorithm of RFC 5256 §3 (after JWZ): the id table and its links, loops
// refused, dummies pruned, threads of the same base subject gathered, siblings by sent date.
ThreadTree thread_references(std::span<const ThreadMessage> messages);

ThreadTree thread_messages(ThreadAlgorithm algorithm, std::span<const ThreadMessage> messages);

// The thread-list of the THREAD response (RFC 5256 §4): "(3 6 (4 23)(44 7 96))((1)(2))".
// Empty when there are no messages; the session writes "* THREAD " before it.
std::string format_thread_list(const ThreadTree& tree);

}  // namespace harbor::imap
