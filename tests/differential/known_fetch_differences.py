"""Known, deliberate differences between Harbor's FETCH data and Dovecot's (2.3, Debian 12).

Read by test_fetch_vs_dovecot.py. A difference is listed when an entry matches all of:
  file    glob (or list of globs) on the message label: the path under testdata/mime, or
          "<vectors>.json#NN" for Dovecot's vector messages, "<mbox>#NNN" for mbox messages
  items   glob (or list) on the FETCH item: RFC822.SIZE, BODY, BODYSTRUCTURE, ENVELOPE, or
          BODY[<section>] as requested (upper case; a literal '[' is written "[[]" in a glob)
  part    glob on the part number ("" for the message itself, "1.2" ...), or the section
  field   glob on the field: type, subtype, params, id, description, encoding, octets, lines,
          md5, disposition, language, location, shape, extension-count, envelope.<name>,
          size (RFC822.SIZE), bytes (a section's value), missing (Harbor has no such section)
  check   a predicate on (harbor value, dovecot value), named in fetch_difference_checks.CHECKS
  when    a note imap_fetch_dump prints for the part: "headerless" is the one part of a
          multipart without delimiters (its whole body, src/imap/fetch/section.cpp)
Every entry must match at least one difference, or the test fails (the table stays true).
An entry never covers a Harbor bug: those stay unlisted so the test shows them.
"""

STRUCTURE = ["BODY", "BODYSTRUCTURE"]
SECTIONS = "BODY[*"

KNOWN_FETCH_DIFFERENCES = [
    # ------------------------------------------------------------ BODY / BODYSTRUCTURE
    {
        "category": "case",
        "file": "*",
        "items": STRUCTURE,
        "field": "*",
        "check": "case_only",
        "reason": "Harbor writes media type, subtype, transfer encoding, disposition type and "
                  "parameter names in lower case; Dovecot keeps the case of the header. All "
                  "are case-insensitive (RFC 2045 §5.1 type, subtype and parameter names; "
                  "§6.1 mechanisms; RFC 2183 §2 disposition types), RFC 9051 §7.5.2 asks for "
                  "no case, and the lower-case form is what RFC 9051's examples show.",
    },
    {
        "category": "parameter-order",
        "file": "*",
        "items": STRUCTURE,
        "field": "*",
        "check": "params_same_set",
        "reason": "Same parameters, in another order or name case: Harbor puts the default "
                  "charset=us-ascii of a text part without one first (RFC 2046 §4.1.2), "
                  "Dovecot last; parameter order carries no meaning (RFC 2045 §5.1).",
    },
    {
        "category": "parameter-8bit",
        "file": "*",
        "items": STRUCTURE,
        "field": "*",
        "check": "harbor_utf8_for_8bit",
        "reason": "A parameter value with 8-bit bytes: Harbor sends it 7-bit, as an RFC 2047 "
                  "utf-8 word (RFC 9051 §4.3: 8-bit text only after ENABLE UTF8=ACCEPT), and "
                  "an RFC 2231 value re-encoded as utf-8''..; Dovecot passes the raw bytes "
                  "and keeps the original RFC 2231 charset. See bodystructure.cpp.",
    },
    {
        "category": "lines-last-unterminated",
        "file": "*",
        "items": STRUCTURE,
        "field": "lines",
        "check": "harbor_1_more",
        "reason": "body-fld-lines (RFC 9051 §7.5.2 'the size of the body in text lines'): a "
                  "final line without its own CRLF (the CRLF before a delimiter belongs to "
                  "the delimiter, RFC 2046 §5.1.1) is a text line, and Harbor counts it "
                  "(mime::Part::body_lines); Dovecot counts CRLFs.",
    },
    {
        "category": "delimiter-crlf",
        "file": "*",
        "items": STRUCTURE,
        "field": "octets",
        "check": "dovecot_2_more",
        "reason": "A part that ends with an inner close delimiter directly followed by the "
                  "outer delimiter: RFC 2046 §5.1.1 'the CRLF preceding the boundary delimiter "
                  "line is conceptually attached to the boundary', so Harbor's part ends "
                  "before it; Dovecot counts it in the part.",
    },
    {
        "category": "delimiter-crlf",
        "file": "*",
        "items": SECTIONS,
        "field": "bytes",
        "check": "dovecot_crlf_more",
        "reason": "Same as above for the section bytes (RFC 2046 §5.1.1); for a header "
                  "section of a header without the empty line (RFC 5322 §2.1), Harbor sends "
                  "the header as it is where Dovecot adds a CRLF (section.cpp: 'none if "
                  "there was none'). Dovecot is not consistent here either: it adds none to "
                  "HEADER.FIELDS.NOT of the same message (msg_35) or of gmime empty0.msg.",
    },
    {
        "category": "multipart-no-delimiter",
        "file": "*",
        "items": STRUCTURE,
        "field": "shape",
        "check": "harbor_empty_multipart_dovecot_leaf",
        "reason": "A multipart whose Content-Type Dovecot cannot read (junk after the subtype, "
                  "jwz.mbox) or without a usable boundary: Harbor keeps the multipart with its "
                  "one headerless part, the whole body (RFC 9051 §9 body-type-mpart = 1*body); "
                  "Dovecot 2.3 writes a single part whose type and subtype are \"\" (not a "
                  "RFC 2045 §5.1 token). Both serve the body as part 1.",
    },
    {
        "category": "multipart-no-delimiter",
        "file": "*",
        "items": STRUCTURE + [SECTIONS],
        "field": "*",
        "when": "headerless",
        "check": "dovecot_empty_or_zero",
        "reason": "A multipart whose delimiter never comes (or only its close delimiter): RFC "
                  "2046 §5.1.1 is silent. Harbor describes and serves the whole body as part 1, "
                  "a headerless text/plain part (RFC 2046 §5.1.1: no header means text/plain; "
                  "charset=us-ascii), so a client that shows parts shows the text, as Python's "
                  "email does (a text/plain leaf); Dovecot writes an empty part 1 (0 octets, "
                  "BODY[1] \"\") and the content is reachable only through TEXT.",
    },
    # ------------------------------------------------------------------ ENVELOPE
    {
        "category": "envelope-missing-domain",
        "file": "*",
        "items": ["ENVELOPE", "BODY", "BODYSTRUCTURE"],
        "field": "envelope.*",
        "check": "missing_placeholders",
        "reason": "An address without a domain (or without an address at all, 'Name <>'): "
                  "Dovecot invents the host MISSING_DOMAIN and mailbox MISSING_MAILBOX; "
                  "Harbor sends the host as \"\" (NIL would mean a group marker, RFC 9051 "
                  "§7.5.2) and drops an address that has no mailbox (envelope.hpp), so a "
                  "client never sees a made-up address.",
    },
    {
        "category": "envelope-unfolding",
        "file": "*",
        "items": ["ENVELOPE", "BODY", "BODYSTRUCTURE"],
        "field": "envelope.*",
        "check": "same_after_wsp_collapse",
        "reason": "Unfolding removes the CRLF and keeps the WSP (RFC 5322 §2.2.3), as Harbor "
                  "does; Dovecot also turns tabs and runs of WSP into one space, and keeps "
                  "trailing WSP that Harbor trims (RFC 5322 §3.2.2 CFWS around the value).",
    },
    {
        "category": "envelope-repeated-field",
        "file": "*",
        "items": ["ENVELOPE", "BODY", "BODYSTRUCTURE"],
        "field": "envelope.*",
        "check": "harbor_prefix",
        "reason": "A message with Cc (or To) more than once, which RFC 5322 §3.6 forbids: "
                  "Harbor takes the first field, as for every envelope field; Dovecot joins "
                  "the address lists.",
    },
    # ------------------------------------------------------------------ sections
    {
        "category": "header-nonfield-line",
        "file": "*",
        "items": SECTIONS,
        "field": "bytes",
        "check": "harbor_lines_subset",
        "reason": "A header line that is not a field (no colon: an mbox 'From ' line, a "
                  "continuation without leading WSP) is skipped by Harbor's header reader "
                  "(header.hpp; RFC 5322 §2.2 fields are name ':' body) and so is in no "
                  "HEADER.FIELDS.NOT result; Dovecot keeps it as part of the field before.",
    },
    # ------------------------------------------------------- malformed multipart delimiters
    {
        "category": "same-boundary-nested",
        "file": ["stalwart-mail-parser/resources/eml/malformed/003.eml",
                 "stalwart-mail-parser/resources/eml/malformed/013.eml",
                 "stalwart-mail-parser/resources/eml/malformed/019.eml",
                 "python-email-tests/data/msg_15.txt",
                 "python-email-tests/data/msg_39.txt",
                 "mimekit-testdata/UnitTests/TestData/mbox/simple.mbox.txt#001",
                 "gmime-tests/tests/data/mbox/input/substring.mbox#001"],
        "items": STRUCTURE + [SECTIONS],
        "field": "[sb]*",  # shape, bytes
        "reason": "A multipart nested in one with the same boundary: RFC 2046 §5.1.1 'the "
                  "boundary delimiter MUST NOT appear inside any of the encapsulated parts', so "
                  "Harbor reads every such line as the outer multipart's delimiter (the inner "
                  "one has no delimiter, its body is its one part); Dovecot gives the line to "
                  "the innermost multipart. The parts are numbered differently.",
    },
    {
        "category": "boundary-prefix",
        "file": ["stalwart-mail-parser/resources/eml/malformed/004.eml",
                 "stalwart-mail-parser/resources/eml/malformed/005.eml",
                 "stalwart-mail-parser/resources/eml/malformed/007.eml",
                 "stalwart-mail-parser/resources/eml/malformed/016.eml"],
        "items": STRUCTURE + [SECTIONS],
        "field": "[sbo]*",  # shape, bytes, octets
        "reason": "A line that starts with the delimiter but goes on ('--ab' for boundary "
                  "'a', '--a----' for 'a--'): RFC 2046 §5.1.1 delimiter line = '--' boundary "
                  "[--] transport-padding CRLF, so Harbor reads it as body text (or as the "
                  "close delimiter it spells); Dovecot matches the boundary as a prefix.",
    },
    {
        "category": "empty-boundary",
        "file": ["mimekit-testdata/UnitTests/TestData/mbox/simple.mbox.txt#002",
                 "gmime-tests/tests/data/mbox/input/substring.mbox#002"],
        "items": STRUCTURE + ["BODY[[]1]"],
        "part": "1",
        "field": "[sb]*",  # shape, bytes
        "reason": "boundary=\"\": RFC 2046 §5.1.1 boundary is 1 to 70 characters, so Harbor "
                  "finds no delimiter and serves the whole body as part 1; Dovecot takes every "
                  "'--' line as a delimiter and nests.",
    },
    {
        "category": "lenient-parameters",
        "file": "mimekit-testdata/UnitTests/TestData/mbox/content-length.mbox.txt#000",
        "items": STRUCTURE + [SECTIONS],
        "field": "[sb]*",  # shape, bytes
        "reason": "'multipart/mixed;;<CRLF WSP>Boundary=\"...\"': an empty parameter between "
                  "two ';' (not RFC 2045 §5.1 syntax). Harbor skips it and reads the boundary, "
                  "whose delimiters are in the body, so the two parts the sender wrote are "
                  "served; Dovecot loses the boundary and writes one empty part.",
    },
    {
        "category": "rfc2231-boundary",
        "file": "python-email-tests/data/msg_33.txt",
        "items": STRUCTURE + [SECTIONS],
        "field": "[sb]*",  # shape, bytes
        "reason": "boundary*=\"ansi-x3.4-1968''EeQfGwPcQSOJBaQU\": an RFC 2231 §4 extended "
                  "parameter is the boundary parameter, and Harbor splits the body at it; "
                  "Dovecot does not read boundary* and writes one empty part.",
    },
    # ------------------------------------------------------------ media types, encodings
    {
        "category": "invalid-content-type",
        "file": "*",
        "items": STRUCTURE,
        "field": "shape",
        "check": "dovecot_invalid_type_harbor_default",
        "reason": "A Content-Type without a subtype or otherwise unreadable: RFC 2045 §5.2 "
                  "recommends the default text/plain; charset=us-ascii, which Harbor writes; "
                  "Dovecot writes type and subtype \"\" (not RFC 2045 §5.1 tokens).",
    },
    {
        "category": "invalid-content-type",
        "file": ["gmime-tests/tests/data/mbox/output/jwz.mbox#018",
                 "gmime-tests/tests/data/mbox/output/jwz.mbox#029",
                 "gmime-tests/tests/data/mbox/output/jwz.mbox#097",
                 "gmime-tests/tests/data/mbox/output/jwz.mbox#115"],
        "items": STRUCTURE + ["BODY[[]1.HEADER]", "BODY[[]1.1.MIME]"],
        "field": "[sb]*",  # shape, bytes
        "reason": "'Content-Type: Message/rfc822<CRLF>   Content-Type: text/plain' (a folded "
                  "listing): Harbor reads the type and skips what follows it without a ';' "
                  "(src/mime/content_type.cpp, as mail readers do) and parses the "
                  "message/rfc822 body; Dovecot writes type \"\" and has no part 1.HEADER.",
    },
    {
        "category": "no-mime-version",
        "file": ["crymap/src/test_data/single-part-base64.eml",
                 "crymap/src/test_data/unknown-cte.eml"],
        "items": STRUCTURE,
        "part": "",
        "field": "encoding",
        "reason": "A message with Content-Transfer-Encoding but no MIME-Version: Dovecot ignores "
                  "the field (7bit); Harbor reads it (as Python's email and mail readers do), "
                  "so a client can decode the base64 body and is told of an unknown mechanism "
                  "(RFC 2045 §6.4). RFC 2045 §4 makes MIME-Version required of senders but "
                  "gives readers no rule for its absence.",
    },
    # ------------------------------------------------------------------ parameters
    {
        "category": "parameter-rfc2047",
        "file": "*",
        "items": STRUCTURE,
        "field": "[pd]*",  # params, disposition
        "check": "same_after_rfc2047_decode",
        "reason": "A parameter value with RFC 2047 encoded words (which RFC 2047 §5 does not "
                  "allow in a quoted string, but senders use for file names): Harbor decodes "
                  "and writes one utf-8 word, Dovecot passes the value as it is; the decoded "
                  "text is the same.",
    },
    {
        "category": "rfc2231-percent",
        "file": "*",
        "items": STRUCTURE,
        "field": "params",
        "check": "same_after_percent_decode",
        "reason": "An RFC 2231 extended value joined from continuations, some not extended: "
                  "Harbor %-encodes every byte that is not an attribute-char (RFC 2231 §7: "
                  "space and \"'\" must be), Dovecot joins the segments as written and leaves "
                  "\"isn't it!\" bare, which is not valid extended-value syntax.",
    },
    {
        "category": "rfc2231-charset",
        "file": "*",
        "items": STRUCTURE,
        "field": "params",
        "check": "dovecot_default_charset_beside_extended",
        "reason": "charset*=ansi-x3.4-1968''us-ascii is the charset parameter (RFC 2231 §4); "
                  "Dovecot does not see it and adds the RFC 2046 §4.1.2 default charset too.",
    },
    {
        "category": "missing-semicolon",
        "file": "stalwart-mail-parser/resources/eml/rfc/001.eml",
        "items": STRUCTURE,
        "part": "3",
        "field": "params",
        "check": "harbor_extra_parameter",
        "reason": "'access-type=mail-server<CRLF WSP>server=\"...\"' (a ';' missing, as in "
                  "RFC 2046 §5.2.3's example): Harbor reads server= as the next parameter (see "
                  "known_differences.py, missing-semicolon); it is the parameter mail-server "
                  "access needs (RFC 2046 §5.2.3.4). Dovecot drops it.",
    },
    {
        "category": "lenient-bare-value",
        "file": "wildduck-imap-core-tests/imap-core/test/fixtures/fix3.eml",
        "items": "BODYSTRUCTURE",
        "part": "",
        "field": "params",
        "check": "dovecot_truncated_value",
        "reason": "boundary='----mailcomposer-?=_1-...' (single quotes, tspecials): Harbor keeps "
                  "an unquoted value up to ';' (known_differences.py, lenient-bare-value), "
                  "Dovecot ends the token at '?' (RFC 2045 §5.1). Neither finds a delimiter.",
    },
    # ------------------------------------------------------------------ malformed headers
    {
        "category": "leading-bom",
        "file": "mimekit-testdata/UnitTests/TestData/messages/feedback-report.txt",
        "items": ["ENVELOPE", "BODY[[]HEADER.FIELDS*"],
        "part": "[-H]*",
        "field": "[eb]*",  # envelope.*, bytes
        "reason": "The file starts with a UTF-8 BOM. Harbor skips it (message.hpp leading_bom, "
                  "see known_differences.py leading-bom) and reads the first field, From, "
                  "into ENVELOPE and HEADER.FIELDS (without the BOM bytes, which belong to no "
                  "field); Dovecot reads a field named BOM+'From'. BODY[HEADER] keeps the BOM "
                  "on both sides.",
    },
    {
        "category": "malformed-address",
        "file": ["mimekit-testdata/UnitTests/TestData/messages/feedback-report.txt",
                 "mimekit-testdata/UnitTests/TestData/messages/stack-overflow.txt",
                 "mimekit-testdata/UnitTests/TestData/messages/issue358.txt",
                 "mimekit-testdata/UnitTests/TestData/mbox/content-length.mbox.txt#006"],
        "items": ["ENVELOPE", "BODY", "BODYSTRUCTURE"],
        "field": "envelope.[fsrt]*",  # from, sender, reply-to, to
        "reason": "Address fields that are not RFC 5322 §3.4 address lists: '<Undisclosed "
                  "Recipients>' (a phrase, Harbor leaves it out, Dovecot writes SYNTAX_ERROR), "
                  "'name@x <addr@y>' (an '@' in an unquoted phrase: Harbor takes the angle-addr, "
                  "Dovecot the first addr-spec), 'a@b@c' (Harbor splits at the last '@', "
                  "Dovecot the first), '@route:addr' without angle brackets (Harbor reads a "
                  "group, Dovecot a route) and a list of broken encoded words.",
    },
    {
        "category": "envelope-repeated-field",
        "file": "stalwart-mail-parser/resources/eml/malformed/019.eml",
        "items": "ENVELOPE",
        "field": "envelope.date",
        "reason": "Two Date fields (RFC 5322 §3.6 allows one): Harbor takes the first, as for "
                  "every envelope field; Dovecot the last.",
    },
]
