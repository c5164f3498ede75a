// The ESMTP extensions a session has advertised (RFC 5321 §4.1.1.1 EHLO keywords). The parsers
// take it so that a parameter of an extension the server did not offer is refused with
// 555 5.5.4 (RFC 5321 §4.1.1.11) and so that command line limits grow with the extensions that
// raise them (§4.5.3.1.4).
#pragma once

#include <cstdint>

namespace harbor::smtp {

struct Extensions {
    bool size = false;                   // SIZE (RFC 1870)
    std::uint64_t max_message_size = 0;  // the SIZE value advertised; 0: no fixed limit
    bool eightbitmime = false;           // 8BITMIME (RFC 6152)
    bool chunking = false;               // CHUNKING, the BDAT command (RFC 3030 §2)
    bool binarymime = false;             // BINARYMIME (RFC 3030 §3; needs CHUNKING)
    bool smtputf8 = false;               // SMTPUTF8 (RFC 6531 §3.1)
    bool dsn = false;                    // DSN: RET, ENVID, NOTIFY, ORCPT (RFC 3461 §4)
    bool auth = false;                   // AUTH, and the AUTH= MAIL parameter (RFC 4954 §5)
    bool requiretls = false;             // REQUIRETLS (RFC 8689 §4; only offered over TLS)
};

}  // namespace harbor::smtp
