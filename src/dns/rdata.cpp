// RDATA parsers (rdata.hpp). Every function consumes exactly its RDATA: trailing bytes are as
// malformed as missing ones.
#include "dns/rdata.hpp"

#include <algorithm>
#include <cstddef>

namespace harbor::dns {
namespace {

constexpr std::size_t max_name_wire = 255;  // RFC 1035 §2.3.4, length octets included
constexpr std::size_t max_label = 63;       // RFC 1035 §2.3.4

Unexpected malformed(std::string_view type, std::string_view why)
{
    return unexpected(Errc::Invalid, std::string(type) + " rdata: " + std::string(why));
}

// A bounds-checked reader over one RDATA.
class Reader {
public:
    explicit Reader(Rdata rdata) : rdata_(rdata) {}

    std::size_t remaining() const { return rdata_.size() - pos_; }
    bool at_end() const { return pos_ == rdata_.size(); }

    // Callers check remaining() first.
    std::uint8_t u8() { return rdata_[pos_++]; }
    std::uint16_t u16()
    {
        auto value = static_cast<std::uint16_t>((rdata_[pos_] << 8) | rdata_[pos_ + 1]);
        pos_ += 2;
        return value;
    }
    Rdata bytes(std::size_t n)
    {
        Rdata out = rdata_.subspan(pos_, n);
        pos_ += n;
        return out;
    }

private:
    Rdata rdata_;
    std::size_t pos_ = 0;
};

// An uncompressed domain name (RFC 1035 §3.1) as lowercase text without the trailing dot; the
// root is "". Labels must be printable ASCII without '.', so the text form is unambiguous and
// safe to use as a host name (no escapes, no control bytes).
Result<std::string> read_name(Reader& reader, std::string_view type)
{
    std::string name;
    std::size_t wire_length = 0;
    for (;;) {
        if (reader.remaining() < 1) {
            return malformed(type, "name runs past the end");
        }
        std::uint8_t length = reader.u8();
        ++wire_length;
        if (length == 0) {
            return name;
        }
        // 0b11 is a compression pointer (RFC 1035 §4.1.4), 0b01/0b10 extended label types
        // (RFC 6891 §5); none belongs in libunbound's decompressed RDATA.
        if (length > max_label) {
            return malformed(type, "compressed or extended label");
        }
        wire_length += length;
        if (wire_length >= max_name_wire || reader.remaining() < length) {
            return malformed(type, "name too long or truncated");
        }
        if (!name.empty()) {
            name += '.';
        }
        for (std::uint8_t c : reader.bytes(length)) {
            if (c <= 0x20 || c >= 0x7f || c == '.') {
                return malformed(type, "label byte outside printable ASCII");
            }
            name +=
                (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
        }
    }
}

}  // namespace

Result<boost::asio::ip::address_v4> parse_a(Rdata rdata)
{
    if (rdata.size() != 4) {  // RFC 1035 §3.4.1
        return malformed("A", "length is not 4");
    }
    return boost::asio::ip::address_v4({rdata[0], rdata[1], rdata[2], rdata[3]});
}

Result<boost::asio::ip::address_v6> parse_aaaa(Rdata rdata)
{
    if (rdata.size() != 16) {  // RFC 3596 §2.2
        return malformed("AAAA", "length is not 16");
    }
    boost::asio::ip::address_v6::bytes_type bytes;
    std::copy(rdata.begin(), rdata.end(), bytes.begin());
    return boost::asio::ip::address_v6(bytes);
}

Result<Mx> parse_mx(Rdata rdata)
{
    Reader reader(rdata);
    if (reader.remaining() < 2) {  // RFC 1035 §3.3.9: PREFERENCE, EXCHANGE
        return malformed("MX", "no preference");
    }
    Mx mx;
    mx.preference = reader.u16();
    Result<std::string> host = read_name(reader, "MX");
    if (!host) {
        return unexpected(std::move(host).error());
    }
    if (!reader.at_end()) {
        return malformed("MX", "trailing bytes");
    }
    mx.host = std::move(*host);
    return mx;
}

Result<std::string> parse_txt(Rdata rdata)
{
    // RFC 1035 §3.3.14: one or more <character-string>s, each a length octet and that many
    // bytes. RFC 7208 §3.3: a record's strings are concatenated without adding spaces.
    Reader reader(rdata);
    if (reader.at_end()) {
        return malformed("TXT", "empty");
    }
    std::string text;
    while (!reader.at_end()) {
        std::uint8_t length = reader.u8();
        if (reader.remaining() < length) {
            return malformed("TXT", "character-string runs past the end");
        }
        Rdata bytes = reader.bytes(length);
        text.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    return text;
}

Result<std::string> parse_ptr(Rdata rdata)
{
    Reader reader(rdata);  // RFC 1035 §3.3.12: PTRDNAME
    Result<std::string> name = read_name(reader, "PTR");
    if (name && !reader.at_end()) {
        return malformed("PTR", "trailing bytes");
    }
    return name;
}

Result<Tlsa> parse_tlsa(Rdata rdata)
{
    // RFC 6698 §2.1: usage, selector, matching type (one octet each), association data.
    Reader reader(rdata);
    if (reader.remaining() < 4) {
        return malformed("TLSA", "shorter than its fixed fields and one data byte");
    }
    Tlsa tlsa;
    tlsa.usage = reader.u8();
    tlsa.selector = reader.u8();
    tlsa.matching_type = reader.u8();
    Rdata data = reader.bytes(reader.remaining());
    tlsa.data.assign(data.begin(), data.end());
    return tlsa;
}

std::string reverse_name(const boost::asio::ip::address& address)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string name;
    if (address.is_v4()) {
        auto bytes = address.to_v4().to_bytes();
        for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
            name += std::to_string(*it) + '.';
        }
        return name + "in-addr.arpa";
    }
    auto bytes = address.to_v6().to_bytes();
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
        name += hex[*it & 0x0f];
        name += '.';
        name += hex[*it >> 4];
        name += '.';
    }
    return name + "ip6.arpa";
}

}  // namespace harbor::dns
