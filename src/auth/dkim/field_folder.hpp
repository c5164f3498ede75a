// Writes a tag-list header field, folding with CRLF SP where RFC 6376 §3.5 allows FWS (between
// tags, around ":" in h=, anywhere inside base64 values), to lines of at most 78 columns
// (RFC 5322 §2.1.1). DKIM-Signature and ARC's fields (RFC 8617 §4.1) are written with it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace harbor::auth::dkim {

class FieldFolder {
public:
    static constexpr std::size_t fold_column = 78;

    explicit FieldFolder(std::string_view start) : text_(start), column_(start.size()) {}

    enum class Join { Space, Tight };

    // Appends `token` (no whitespace in it) after a space, or directly; folds first when the
    // line would pass fold_column.
    void add(std::string_view token, Join join)
    {
        const std::size_t gap = join == Join::Space ? 1 : 0;
        if (column_ + gap + token.size() > fold_column && column_ > 1) {
            text_.append("\r\n ");
            column_ = 1;
        } else if (gap == 1) {
            text_.push_back(' ');
            ++column_;
        }
        text_.append(token);
        column_ += token.size();
    }

    // Appends base64 text in pieces that fill each line.
    void add_base64(std::string_view value)
    {
        while (!value.empty()) {
            std::size_t room = column_ < fold_column ? fold_column - column_ : 0;
            if (room == 0) {
                text_.append("\r\n ");
                column_ = 1;
                room = fold_column - 1;
            }
            const std::string_view piece = value.substr(0, room);
            text_.append(piece);
            column_ += piece.size();
            value.remove_prefix(piece.size());
        }
    }

    const std::string& text() const { return text_; }
    std::string take() { return std::move(text_); }

private:
    std::string text_;
    std::size_t column_;
};

}  // namespace harbor::auth::dkim
