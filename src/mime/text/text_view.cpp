// The text view of a message: one walk of the part tree with a heap stack. See text_view.hpp.
#include "mime/text/text_view.hpp"

#include "mime/header.hpp"
#include "mime/rfc2047.hpp"
#include "mime/text/text_writer.hpp"

namespace harbor::mime {
namespace {

// Whether a part's text goes into the view, or only its links, images and flags (an
// alternative that was not chosen, and everything under it).
enum class Reading { Text, LinksOnly };

struct PendingPart {
    const Part* part;
    Reading reading;
};

bool is_attachment(const Part& part) { return part.disposition.type == "attachment"; }

bool is_plain_text(const Part& part)
{
    return part.content_type.type == "text" && part.content_type.subtype == "plain" &&
           !is_attachment(part);
}

// Only whitespace (ASCII or U+00A0 NO-BREAK SPACE, C2 A0).
bool is_blank(std::string_view text)
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\xc2' && i + 1 < text.size() && text[i + 1] == '\xa0') {
            ++i;
        } else if (!is_html_space(text[i])) {
            return false;
        }
    }
    return true;
}

std::string filename_of(const Part& part)
{
    // RFC 2183 §2.3 filename; before it, RFC 1341's Content-Type "name" that clients still send.
    if (const MimeParameter* name = find_parameter(part.disposition.parameters, "filename")) {
        return name->value;
    }
    if (const MimeParameter* name = find_parameter(part.content_type.parameters, "name")) {
        return name->value;
    }
    return {};
}

class ViewBuilder {
public:
    ViewBuilder(std::string_view raw, const TextViewLimits& limits, TextView& view)
        : raw_(raw), limits_(limits), view_(view), writer_(view.text, limits.max_text)
    {
    }

    void build(const Message& message)
    {
        view_.truncated = message.truncated != Limit::None;
        view_.subject = subject_of(message.root);
        pending_.push_back({&message.root, Reading::Text});
        while (!pending_.empty()) {
            const PendingPart next = pending_.back();
            pending_.pop_back();
            visit(*next.part, next.reading);
        }
        view_.truncated = view_.truncated || writer_.truncated();
    }

private:
    void visit(const Part& part, Reading reading)
    {
        const ContentType& type = part.content_type;
        if (type.is_multipart()) {
            if (type.subtype == "alternative" && reading == Reading::Text) {
                push_alternatives(part);
            } else {
                push_children(part, reading);
            }
        } else if (type.is_encapsulated_message()) {
            if (is_attachment(part)) {
                add_attachment(part);  // a forwarded message is still read: DLP, spam
            }
            if (!part.children.empty() && reading == Reading::Text) {
                writer_.block_break();
                writer_.text(subject_of(part.children.front()));
                writer_.block_break();
            }
            push_children(part, reading);
        } else if (type.type != "text" || is_attachment(part)) {
            add_attachment(part);
        } else if (type.subtype == "html") {
            html_part(part, reading);
        } else if (reading == Reading::Text) {
            plain_part(part);  // RFC 2046 §4.1.4: unknown text subtypes read as text/plain
        }
    }

    void push_children(const Part& part, Reading reading)
    {
        for (auto child = part.children.rbegin(); child != part.children.rend(); ++child) {
            pending_.push_back({&*child, reading});
        }
    }

    // RFC 2046 §5.1.4: alternatives come in increasing order of faithfulness. Text is read
    // from the last text/plain one unless it is blank, else from the last one.
    void push_alternatives(const Part& part)
    {
        if (part.children.empty()) {
            return;
        }
        const Part* chosen = &part.children.back();
        for (auto child = part.children.rbegin(); child != part.children.rend(); ++child) {
            if (is_plain_text(*child)) {
                if (!is_blank(decode_text(raw_, *child, limits_.body).utf8)) {
                    chosen = &*child;
                }
                break;
            }
        }
        for (auto child = part.children.rbegin(); child != part.children.rend(); ++child) {
            pending_.push_back({&*child, &*child == chosen ? Reading::Text : Reading::LinksOnly});
        }
    }

    BodyText decode(const Part& part)
    {
        BodyText body = decode_text(raw_, part, limits_.body);
        view_.truncated = view_.truncated || body.truncated;
        view_.had_invalid = view_.had_invalid || body.had_invalid;
        view_.unknown_charset = view_.unknown_charset || body.unknown_charset;
        return body;
    }

    void plain_part(const Part& part)
    {
        if (writer_.truncated()) {
            return;  // the view is full; plain text has nothing else to give
        }
        const BodyText body = decode(part);
        writer_.block_break();
        writer_.preformatted(body.utf8);
        writer_.block_break();
    }

    void html_part(const Part& part, Reading reading)
    {
        const BodyText body = decode(part);
        HtmlText html = html_text(body.utf8, limits_.html);
        view_.html_seen = true;
        view_.truncated = view_.truncated || html.truncated;
        view_.had_invalid = view_.had_invalid || html.had_invalid;
        HtmlFlags& flags = view_.flags;
        flags.has_form = flags.has_form || html.flags.has_form;
        flags.has_script = flags.has_script || html.flags.has_script;
        flags.has_hidden_text = flags.has_hidden_text || html.flags.has_hidden_text;
        flags.has_link_host_mismatch =
            flags.has_link_host_mismatch || html.flags.has_link_host_mismatch;
        for (Link& link : html.links) {
            if (view_.links.size() >= limits_.html.max_links) {
                view_.truncated = true;
                break;
            }
            view_.links.push_back(std::move(link));
        }
        for (std::string& image : html.images) {
            if (view_.images.size() >= limits_.html.max_images) {
                view_.truncated = true;
                break;
            }
            view_.images.push_back(std::move(image));
        }
        if (reading == Reading::Text) {
            writer_.block_break();
            writer_.preformatted(html.text);
            writer_.block_break();
        }
    }

    void add_attachment(const Part& part)
    {
        if (view_.attachments.size() >= limits_.max_attachments) {
            view_.truncated = true;
            return;
        }
        view_.attachments.push_back(Attachment{
            filename_of(part), part.content_type.type + "/" + part.content_type.subtype,
            part.disposition.type, part.body_length});
    }

    // RFC 5322 §3.6.5 Subject, RFC 2047 decoded, whitespace collapsed.
    std::string subject_of(const Part& part)
    {
        const HeaderField* field = find_field(part.fields, "Subject");
        if (field == nullptr) {
            return {};
        }
        const DecodedHeader decoded = decode_rfc2047(field->value);
        view_.had_invalid = view_.had_invalid || decoded.had_invalid;
        view_.unknown_charset = view_.unknown_charset || decoded.unknown_charset;
        std::string subject;
        bool pending_space = false;
        append_collapsed(subject, decoded.utf8, default_max_header_output, pending_space);
        return subject;
    }

    std::string_view raw_;
    const TextViewLimits& limits_;
    TextView& view_;
    TextWriter writer_;
    std::vector<PendingPart> pending_;
};

}  // namespace

TextView text_view(std::string_view raw, const Message& message, const TextViewLimits& limits)
{
    TextView view;
    ViewBuilder builder(raw, limits, view);
    builder.build(message);
    return view;
}

}  // namespace harbor::mime
