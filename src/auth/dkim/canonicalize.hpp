// DKIM canonicalization (RFC 6376 §3.4): "simple" and "relaxed" for one header field, and a
// streaming body canonicalizer that never holds more than a small buffer, so a 50 MB body is
// hashed as it goes. Shared with ARC (RFC 8617 §5.1.1, §5.1.2 use the same algorithms).
// Line ends: a bare LF counts as CRLF, as RFC 6376 §5.3 asks of systems that store messages
// with local line ends ("MUST convert such local conventions to canonical format").
// SECURITY: the input is the untrusted message; every function is one linear pass and the
// output is bounded by twice the input (each bare LF gains a CR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/dkim/signature.hpp"

namespace harbor::auth::dkim {

// Whether a canonicalized header field keeps its terminating CRLF: every signed field does,
// the signature field itself does not (RFC 6376 §3.7 hash step 2).
enum class FieldEnd { Crlf, None };

// Appends the canonical form of one raw header field (name, colon, value, folding; its final
// line end optional) to `out` (§3.4.1 simple, §3.4.2 relaxed).
void canonicalize_header(Canon canon, std::string_view raw_field, FieldEnd end, std::string& out);

// The raw field without its final line end (CRLF or LF), if it has one.
std::string_view without_line_end(std::string_view raw_field);

// The raw field (without its final line end) with the value of its b= tag deleted, FWS around
// it included (§3.7 step 2, §3.5 "treated as though it were an empty string"). Tags other than
// b (bh= among them) are untouched; a field without b= comes back as it is.
std::string remove_signature_value(std::string_view field);

// Where canonical body bytes go (a hash, a string in tests).
class CanonicalSink {
public:
    virtual void write(std::string_view bytes) = 0;

protected:
    ~CanonicalSink() = default;
};

// Canonicalizes a body fed in pieces of any size (§3.4.3 simple, §3.4.4 relaxed). Trailing
// empty lines are only counted until something follows them, so memory stays constant.
class BodyCanonicalizer {
public:
    BodyCanonicalizer(Canon canon, CanonicalSink& sink);
    BodyCanonicalizer(const BodyCanonicalizer&) = delete;
    BodyCanonicalizer& operator=(const BodyCanonicalizer&) = delete;

    void update(std::string_view bytes);
    // Ends the body: the final CRLF rules of §3.4.3 and §3.4.4. Call once.
    void finish();

private:
    void content(std::string_view run);  // octets other than line ends (and relaxed WSP)
    void line_end();
    void flush_pending_lines();
    void flush();

    Canon canon_;
    CanonicalSink& sink_;
    std::string buffer_;               // canonical bytes not yet written
    std::uint64_t pending_lines_ = 0;  // line ends seen after the last content byte
    bool pending_cr_ = false;          // a CR whose meaning depends on the next byte
    bool pending_space_ = false;       // relaxed: WSP seen inside the line, not yet written
    bool any_content_ = false;         // relaxed: something other than empty lines was seen
};

// The canonical form of a whole body, for tests and small inputs.
std::string canonicalize_body(Canon canon, std::string_view body);

}  // namespace harbor::auth::dkim
