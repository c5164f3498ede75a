// Fuzzes the resolver's RDATA parsers (dns/rdata): the first byte picks the record type, the
// rest is the RDATA as a DNS server could send it. Each parser accepts or fails with
// Errc::Invalid, never reads past the bytes (ASan) and never throws; what it accepts obeys
// the record's own limits (RFC 1035 §2.3.4 names, §3.3.14 TXT, RFC 6698 §2.1 TLSA).
#include <cstdint>
#include <span>

#include "dns/rdata.hpp"

namespace {

void check(bool condition)
{
    if (!condition) {
        __builtin_trap();
    }
}

template <typename T>
void check_failure(const harbor::Result<T>& parsed)
{
    if (!parsed) {
        check(parsed.error().code == harbor::Errc::Invalid);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const harbor::dns::Rdata rdata(data + 1, size - 1);
    switch (data[0] % 6) {
        case 0:
            check_failure(harbor::dns::parse_a(rdata));
            break;
        case 1:
            check_failure(harbor::dns::parse_aaaa(rdata));
            break;
        case 2: {
            const auto mx = harbor::dns::parse_mx(rdata);
            check_failure(mx);
            check(!mx || mx->host.size() <= 253);
            break;
        }
        case 3: {
            const auto txt = harbor::dns::parse_txt(rdata);
            check_failure(txt);
            check(!txt || txt->size() <= rdata.size());  // each string loses its length octet
            break;
        }
        case 4: {
            const auto ptr = harbor::dns::parse_ptr(rdata);
            check_failure(ptr);
            check(!ptr || ptr->size() <= 253);
            break;
        }
        default: {
            const auto tlsa = harbor::dns::parse_tlsa(rdata);
            check_failure(tlsa);
            check(!tlsa || tlsa->data.size() + 3 == rdata.size());
            break;
        }
    }
    return 0;
}
