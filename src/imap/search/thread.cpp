// RFC 5256 §3 threading; see thread.hpp. Step numbers below are those of the REFERENCES
// algorithm in RFC 5256 §3.
#include "imap/search/thread.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "imap/search/base_subject.hpp"
#include "imap/search/casemap.hpp"
#include "imap/search/sort.hpp"

namespace harbor::imap {
namespace {

constexpr std::size_t none = static_cast<std::size_t>(-1);
constexpr std::size_t max_thread_subject = 64 * 1024;  // folded octets of a base subject

// Orders messages by sent date, then mailbox order (RFC 5256 §2.2).
bool earlier(const ThreadMessage& a, const ThreadMessage& b)
{
    if (a.sent_date != b.sent_date) {
        return a.sent_date < b.sent_date;
    }
    return a.sequence < b.sequence;
}

// A container of the REFERENCES algorithm: a message, or a dummy standing for an id that was
// referenced but is not among the messages.
struct Container {
    std::size_t message = none;  // index into the input
    std::size_t parent = none;
    std::vector<std::size_t> children;
};

class ReferencesThreader {
public:
    explicit ReferencesThreader(std::span<const ThreadMessage> messages) : messages_(messages) {}

    ThreadTree run()
    {
        build_links();     // step 1
        gather_roots();    // steps 2 and 3
        prune_dummies();   // step 4
        sort_roots();      // step 5
        merge_subjects();  // step 6
        sort_siblings();   // step 7
        return to_tree();
    }

private:
    std::size_t new_container()
    {
        containers_.emplace_back();
        return containers_.size() - 1;
    }

    std::size_t container_for(const std::string& id)
    {
        auto [it, inserted] = id_table_.try_emplace(id, none);
        if (inserted) {
            it->second = new_container();
        }
        return it->second;
    }

    bool is_dummy(std::size_t c) const { return containers_[c].message == none; }

    // Whether `ancestor` is `c` or lies on its parent chain.
    bool reaches(std::size_t c, std::size_t ancestor) const
    {
        for (std::size_t at = c; at != none; at = containers_[at].parent) {
            if (at == ancestor) {
                return true;
            }
        }
        return false;
    }

    void unlink(std::size_t child)
    {
        const std::size_t parent = containers_[child].parent;
        if (parent == none) {
            return;
        }
        std::vector<std::size_t>& siblings = containers_[parent].children;
        siblings.erase(std::find(siblings.begin(), siblings.end(), child));
        containers_[child].parent = none;
    }

    // Makes `child` a child of `parent` unless that would make a loop (steps 1.B, 1.C).
    void link(std::size_t parent, std::size_t child)
    {
        // Only a container with children can be an ancestor of another; the common case (a
        // new message) skips the walk up a possibly long parent chain.
        if (parent == child || (!containers_[child].children.empty() && reaches(parent, child))) {
            return;
        }
        unlink(child);
        containers_[child].parent = parent;
        containers_[parent].children.push_back(child);
    }

    void build_links()
    {
        for (std::size_t m = 0; m < messages_.size(); ++m) {
            const ThreadMessage& message = messages_[m];
            // 1.A: the container of this Message-ID; a missing or duplicate id gets a
            // container of its own, outside the table.
            std::size_t own = none;
            if (!message.message_id.empty()) {
                own = container_for(message.message_id);
                if (!is_dummy(own)) {
                    own = none;
                }
            }
            if (own == none) {
                own = new_container();
            }
            containers_[own].message = m;
            // 1.B: link the references in order, never changing an existing parent.
            const std::vector<std::string>& refs = message.references;
            const std::size_t first = refs.size() > max_thread_references
                                          ? refs.size() - max_thread_references
                                          : 0;
            std::size_t previous = none;
            for (std::size_t r = first; r < refs.size(); ++r) {
                const std::size_t current = container_for(refs[r]);
                if (previous != none && current != previous &&
                    containers_[current].parent == none) {
                    link(previous, current);
                }
                previous = current;
            }
            // 1.C: the last reference is the parent; it replaces a parent guessed earlier.
            if (previous != none && containers_[own].parent != previous) {
                link(previous, own);
            }
        }
    }

    void gather_roots()
    {
        for (std::size_t c = 0; c < containers_.size(); ++c) {
            if (containers_[c].parent == none) {
                roots_.push_back(c);
            }
        }
        id_table_.clear();
    }

    // Step 4, for one sibling list: a childless dummy goes, a dummy with children is replaced
    // by them (they are examined in turn). At the root a dummy with several children stays.
    std::vector<std::size_t> prune_level(const std::vector<std::size_t>& level, bool root,
                                         std::size_t parent)
    {
        std::vector<std::size_t> out;
        std::vector<std::size_t> work(level.rbegin(), level.rend());
        while (!work.empty()) {
            const std::size_t c = work.back();
            work.pop_back();
            Container& container = containers_[c];
            if (is_dummy(c) && (container.children.empty() || !root ||
                                container.children.size() == 1)) {
                for (auto it = container.children.rbegin(); it != container.children.rend();
                     ++it) {
                    containers_[*it].parent = parent;
                    work.push_back(*it);
                }
                container.children.clear();
                continue;
            }
            out.push_back(c);
        }
        return out;
    }

    void prune_dummies()
    {
        // Below the root first, top-down: a promoted child is examined at its new level.
        std::vector<std::size_t> stack(roots_.begin(), roots_.end());
        while (!stack.empty()) {
            const std::size_t c = stack.back();
            stack.pop_back();
            std::vector<std::size_t> kept = prune_level(containers_[c].children, false, c);
            containers_[c].children = kept;
            stack.insert(stack.end(), kept.begin(), kept.end());
        }
        roots_ = prune_level(roots_, true, none);
    }

    // The message that dates a container: itself, or for a dummy its first child's (after
    // the children are sorted).
    std::size_t dating_message(std::size_t c) const
    {
        std::size_t at = c;
        while (is_dummy(at) && !containers_[at].children.empty()) {
            at = containers_[at].children.front();
        }
        return containers_[at].message;
    }

    bool earlier_container(std::size_t a, std::size_t b) const
    {
        const std::size_t x = dating_message(a);
        const std::size_t y = dating_message(b);
        if (x == none || y == none) {
            return x != none && y == none;
        }
        return earlier(messages_[x], messages_[y]);
    }

    void sort_level(std::vector<std::size_t>& level)
    {
        std::stable_sort(level.begin(), level.end(), [this](std::size_t a, std::size_t b) {
            return earlier_container(a, b);
        });
    }

    void sort_roots()
    {
        for (std::size_t c : roots_) {
            if (is_dummy(c)) {
                sort_level(containers_[c].children);
            }
        }
        sort_level(roots_);
    }

    const std::string& subject_of(std::size_t c) const
    {
        static const std::string empty;
        const std::size_t m = dating_message(c);
        return m == none ? empty : messages_[m].base_subject;
    }

    bool is_reply(std::size_t c) const
    {
        return !is_dummy(c) && messages_[containers_[c].message].reply_or_forward;
    }

    void adopt(std::size_t parent, std::size_t child)
    {
        containers_[child].parent = parent;
        containers_[parent].children.push_back(child);
    }

    void merge_subjects()
    {
        // 6.A/B: one container per base subject: a dummy rather than a message, an original
        // rather than a reply or forward, else the earliest.
        std::unordered_map<std::string, std::size_t> table;
        for (std::size_t c : roots_) {
            const std::string& subject = subject_of(c);
            if (subject.empty()) {
                continue;
            }
            auto [it, inserted] = table.try_emplace(subject, c);
            if (inserted) {
                continue;
            }
            const std::size_t old = it->second;
            if ((is_dummy(c) && !is_dummy(old)) ||
                (!is_dummy(old) && is_reply(old) && !is_dummy(c) && !is_reply(c))) {
                it->second = c;
            }
        }
        // 6.C: merge every other root with the same base subject into the table's one.
        std::vector<std::size_t> merged_roots;
        std::vector<std::size_t> position(containers_.size(), none);  // in merged_roots
        for (std::size_t c : roots_) {
            if (containers_[c].parent != none || position[c] != none) {
                continue;  // already placed: moved under another root, or put first
            }
            const std::string subject = subject_of(c);
            auto found = subject.empty() ? table.end() : table.find(subject);
            if (found == table.end() || found->second == c) {
                position[c] = merged_roots.size();
                merged_roots.push_back(c);
                continue;
            }
            const std::size_t kept = found->second;
            if (position[kept] == none) {
                // The table's container comes later in date order: it takes this place.
                position[kept] = merged_roots.size();
                merged_roots.push_back(kept);
            }
            if (is_dummy(kept) && is_dummy(c)) {
                for (std::size_t child : containers_[c].children) {
                    adopt(kept, child);
                }
                containers_[c].children.clear();
            } else if (is_dummy(kept) || (!is_reply(kept) && is_reply(c))) {
                adopt(kept, c);
            } else {
                // Neither is the other's parent: a new dummy holds both, in kept's place.
                const std::size_t holder = new_container();
                position.push_back(none);
                merged_roots[position[kept]] = holder;
                position[holder] = position[kept];
                position[kept] = none;
                adopt(holder, kept);
                adopt(holder, c);
                found->second = holder;
            }
        }
        roots_ = std::move(merged_roots);
    }

    // Step 7: every sibling list by sent date, children before parents (post-order), so a
    // dummy is dated by its first child after that child list is sorted.
    void sort_siblings()
    {
        std::vector<std::pair<std::size_t, bool>> stack;  // container, children done
        for (std::size_t c : roots_) {
            stack.emplace_back(c, false);
        }
        while (!stack.empty()) {
            auto [c, done] = stack.back();
            stack.pop_back();
            if (done) {
                sort_level(containers_[c].children);
                continue;
            }
            stack.emplace_back(c, true);
            for (std::size_t child : containers_[c].children) {
                stack.emplace_back(child, false);
            }
        }
        sort_level(roots_);
    }

    ThreadTree to_tree() const
    {
        ThreadTree tree;
        std::vector<std::size_t> node_of(containers_.size(), none);
        std::vector<std::size_t> stack(roots_.rbegin(), roots_.rend());
        for (std::size_t c : roots_) {
            node_of[c] = tree.nodes.size();
            tree.roots.push_back(tree.nodes.size());
            tree.nodes.emplace_back();
        }
        while (!stack.empty()) {
            const std::size_t c = stack.back();
            stack.pop_back();
            const std::size_t node = node_of[c];
            if (!is_dummy(c)) {
                tree.nodes[node].number = messages_[containers_[c].message].number;
            }
            for (std::size_t child : containers_[c].children) {
                node_of[child] = tree.nodes.size();
                tree.nodes[node].children.push_back(tree.nodes.size());
                tree.nodes.emplace_back();
                stack.push_back(child);
            }
        }
        return tree;
    }

    std::span<const ThreadMessage> messages_;
    std::vector<Container> containers_;
    std::unordered_map<std::string, std::size_t> id_table_;
    std::vector<std::size_t> roots_;
};

}  // namespace

std::optional<ThreadAlgorithm> thread_algorithm(std::string_view name)
{
    if (name == "ORDEREDSUBJECT") {
        return ThreadAlgorithm::OrderedSubject;
    }
    if (name == "REFERENCES") {
        return ThreadAlgorithm::References;
    }
    return std::nullopt;
}

ThreadMessage thread_message_of(const MessageView& message, std::uint32_t number)
{
    ThreadMessage result;
    result.number = number;
    result.sequence = message.sequence;
    result.sent_date = sent_date(message);
    if (message.content == nullptr) {
        return result;
    }
    MessageContent& content = *message.content;
    const mime::HeaderField* subject = mime::find_field(content.header_fields(), "Subject");
    if (subject != nullptr) {
        BaseSubject base = extract_base_subject(subject->value);
        result.base_subject = fold_unicode_casemap(base.text, max_thread_subject).text;
        result.reply_or_forward = base.reply_or_forward;
    }
    const mime::Envelope& envelope = content.envelope();
    result.message_id = envelope.message_id.value_or(std::string());
    // RFC 5256 §3 step 1: References, else "the first valid Message ID" of In-Reply-To.
    const std::vector<std::string>& references = envelope.references.ids;
    if (!references.empty()) {
        const std::size_t first = references.size() > max_thread_references
                                      ? references.size() - max_thread_references
                                      : 0;
        result.references.assign(references.begin() + static_cast<std::ptrdiff_t>(first),
                                 references.end());
    } else if (!envelope.in_reply_to.ids.empty()) {
        result.references.push_back(envelope.in_reply_to.ids.front());
    }
    return result;
}

ThreadTree thread_ordered_subject(std::span<const ThreadMessage> messages)
{
    // Sorted by base subject, then sent date; each run of one subject is a thread.
    std::vector<std::size_t> order(messages.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (const int c = messages[a].base_subject.compare(messages[b].base_subject); c != 0) {
            return c < 0;
        }
        return earlier(messages[a], messages[b]);
    });
    std::vector<std::size_t> first_messages;  // of each thread, in `order` order
    ThreadTree tree;
    tree.nodes.reserve(messages.size());
    std::vector<std::size_t> root_nodes;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const ThreadMessage& message = messages[order[i]];
        tree.nodes.push_back({message.number, {}});
        const std::size_t node = tree.nodes.size() - 1;
        if (i == 0 || message.base_subject != messages[order[i - 1]].base_subject) {
            first_messages.push_back(order[i]);
            root_nodes.push_back(node);
        } else {
            tree.nodes[root_nodes.back()].children.push_back(node);
        }
    }
    // Threads by the sent date of their first message.
    std::vector<std::size_t> threads(root_nodes.size());
    std::iota(threads.begin(), threads.end(), std::size_t{0});
    std::sort(threads.begin(), threads.end(), [&](std::size_t a, std::size_t b) {
        return earlier(messages[first_messages[a]], messages[first_messages[b]]);
    });
    for (std::size_t t : threads) {
        tree.roots.push_back(root_nodes[t]);
    }
    return tree;
}

ThreadTree thread_references(std::span<const ThreadMessage> messages)
{
    ReferencesThreader threader(messages);
    return threader.run();
}

ThreadTree thread_messages(ThreadAlgorithm algorithm, std::span<const ThreadMessage> messages)
{
    return algorithm == ThreadAlgorithm::OrderedSubject ? thread_ordered_subject(messages)
                                                        : thread_references(messages);
}

std::string format_thread_list(const ThreadTree& tree)
{
    // thread-list = "(" (thread-members / thread-nested) ")"; thread-members = nz-number
    // *(SP nz-number) [SP thread-nested]; thread-nested = 2*thread-list (RFC 5256 §4).
    // A chain of only children is written flat; two or more children each get a list.
    std::string out;
    constexpr std::size_t close = none;
    std::vector<std::size_t> stack(tree.roots.rbegin(), tree.roots.rend());
    while (!stack.empty()) {
        const std::size_t start = stack.back();
        stack.pop_back();
        if (start == close) {
            out.push_back(')');
            continue;
        }
        out.push_back('(');
        stack.push_back(close);
        bool first = true;
        std::size_t at = start;
        while (true) {
            const ThreadTree::Node& node = tree.nodes[at];
            if (node.number != ThreadTree::dummy) {
                if (!first) {
                    out.push_back(' ');
                }
                out.append(std::to_string(node.number));
                first = false;
            }
            if (node.children.size() == 1) {
                at = node.children.front();
                continue;
            }
            if (!node.children.empty() && !first) {
                out.push_back(' ');
            }
            for (auto it = node.children.rbegin(); it != node.children.rend(); ++it) {
                stack.push_back(*it);
            }
            break;
        }
    }
    return out;
}

}  // namespace harbor::imap
