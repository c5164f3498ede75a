"""Known, justified differences between Harbor's MIME parser and Python's email package.

Read by test_mime_vs_python.py. A difference is listed when an entry matches all of:
  file    glob (or list of globs) on the file label: the path under testdata/mime, or
          "dovecot-core-tests/<vectors>-NN.eml", or "generated/gen-NNN.eml"
  part    glob on the part path ("0" is the root, "0.1.0" the first child of its second child)
  type    glob on Harbor's content type of the part
  when    one of Harbor's notes on the part: a flag printed by mime_dump (defaulted_type,
          malformed_type, skipped_header_lines, missing_header_separator, missing_boundary,
          missing_close_delimiter), "cte:<name>", or "parent:<flag>" for the enclosing part
  check   a predicate on the two values, named in test_mime_vs_python.CHECKS
  fields  the compared fields it covers
Every entry must match at least one difference, or the test fails (the table stays true).

category "HARBOR BUG" marks differences where Harbor is wrong; they are listed only until the
fix lands in src/mime, after which the entry goes stale and must be removed.
"""

HEADER_FIELDS = ["shape", "type", "params", "names", "subject", "from", "to", "cc"]
BODY_FIELDS = ["body_sha256", "body_sha256_lf", "text"]

KNOWN_DIFFERENCES = [
    # ------------------------------------------------------------- structure (RFC choices)
    {
        "category": "message-non-rfc822",
        "file": "*",
        "type": "message/*",
        "fields": ["shape"],
        "check": "harbor_leaf",
        "reason": "Python's feedparser parses the body of every message/* part as a message "
                  "(delivery-status as a list of header blocks). Harbor nests only "
                  "message/rfc822 and message/global (RFC 2046 §5.2.1, RFC 6532 §3.7): "
                  "message/partial is a fragment (RFC 2046 §5.2.2), message/external-body a "
                  "phantom header (§5.2.3), delivery-status and disposition-notification are "
                  "field groups (RFC 3464 §2.1, RFC 8098 §3.1); message/rfc822 with base64 "
                  "must not be parsed in place (RFC 2045 §6.4, RFC 2046 §5.2.1 forbids it).",
    },
    {
        "category": "leading-bom",
        "file": "mimekit-testdata/UnitTests/TestData/messages/feedback-report.txt",
        "part": "0",
        "fields": ["shape", "type", "params", "names", "from", "to", "subject",
                   "body_sha256", "body_sha256_lf", "text"],
        "reason": "The file starts with a UTF-8 byte order mark. Harbor skips it, as mail "
                  "readers do (message.hpp leading_bom), and reads From and the "
                  "multipart/report; Python's feedparser sees a first line that is not a "
                  "field (RFC 5322 §2.2 field-name is printable ASCII), ends the header there "
                  "and makes the whole message a text/plain leaf.",
    },
    {
        "category": "multipart-no-delimiter",
        "file": "*",
        "type": "multipart/*",
        "fields": ["shape"],
        "check": "harbor_empty_multipart",
        "reason": "A multipart without a boundary parameter, or whose delimiter never comes (or "
                  "only its close delimiter): Harbor keeps a multipart with no children "
                  "(missing_boundary; RFC 2046 §5.1.1 requires at least one body part), Python "
                  "turns it into a leaf (NoBoundaryInMultipartDefect).",
    },
    {
        "category": "empty-body-part",
        "file": ["python-email-tests/data/msg_37.txt",
                 "stalwart-mail-parser/resources/eml/malformed/000.eml"],
        "part": "0",
        "fields": ["shape"],
        "reason": "Two delimiter lines in a row: Harbor reads an empty body part between them "
                  "(RFC 2046 §5.1.1: each delimiter starts a body part; an empty one takes the "
                  "defaults), Python skips it.",
    },
    {
        "category": "header-nonfield-line",
        "file": "*",
        "when": "skipped_header_lines",
        "fields": HEADER_FIELDS + BODY_FIELDS,
        "reason": "A header line that is not a field (no colon, or a name with a byte outside "
                  "RFC 5322 §3.6.8 ftext such as a UTF-8 BOM): Harbor skips it and reads on to "
                  "the empty line (header.hpp), Python ends the header there and makes it the "
                  "first body line (MissingHeaderBodySeparatorDefect). RFC 5322 §2.1 gives no "
                  "rule for this input.",
    },
    {
        "category": "header-nonfield-line",
        "file": "*",
        "when": "missing_header_separator",
        "fields": HEADER_FIELDS + BODY_FIELDS,
        "reason": "Same as above, at the end of a part: Harbor's header runs to the next "
                  "delimiter (no empty line, RFC 5322 §2.1), Python's stops at a non-field line.",
    },
    {
        "category": "obs-wsp-before-colon",
        "file": "stalwart-mail-parser/resources/eml/malformed/019.eml",
        "part": "0",
        "fields": HEADER_FIELDS,
        "reason": "First line 'Fro :...': RFC 5322 §4.5 (obs-optional) allows white space "
                  "before the colon, so Harbor reads a field 'Fro' and the rest of the header; "
                  "Python's header pattern refuses it and makes the whole message the body.",
    },
    {
        "category": "missing-close-delimiter",
        "file": "*",
        "when": "parent:missing_close_delimiter",
        "fields": BODY_FIELDS,
        "reason": "The last part of a multipart without a close delimiter runs to the end of "
                  "the enclosing body; Harbor keeps its final line end, Python drops it. RFC "
                  "2046 §5.1.1: only the CRLF before a delimiter belongs to the delimiter, and "
                  "there is none here, so the line end is content.",
    },
    # ----------------------------------------------------------------------- bodies
    {
        "category": "qp-trailing-space",
        "file": "*",
        "when": "cte:quoted-printable",
        "fields": ["body_sha256_lf"],
        "reason": "Harbor deletes white space at the end of quoted-printable lines, as RFC "
                  "2045 §6.7 rule 3 says a decoder must; Python's quopri keeps it.",
    },
    {
        "category": "uuencode",
        "file": "*",
        "when": "cte:unknown",
        "fields": ["body_sha256", "body_sha256_lf", "text"],
        "reason": "Content-Transfer-Encoding x-uuencode: Python's get_payload(decode=True) "
                  "decodes it; it is not an RFC 2045 §6.1 mechanism, so Harbor gives the bytes "
                  "as they are (RFC 2045 §6.4: treat as application/octet-stream).",
    },
    {
        "category": "python-cte-whitespace",
        "file": "stalwart-mail-parser/resources/eml/thirdparty/003.eml",
        "part": "0.3",
        "fields": ["text", "body_sha256_lf"],
        "reason": "'Content-Transfer-Encoding: quoted-printable' followed by spaces: Python "
                  "does not decode the body; RFC 2045 §6.1 (RFC 822 structured field) allows "
                  "the white space, Harbor decodes.",
    },
    {
        "category": "cte-no-token",
        "file": ["stalwart-mail-parser/resources/eml/thirdparty/004.eml",
                 "dovecot-core-tests/imap-bodystructure-vectors-06.eml"],
        "fields": ["cte"],
        "reason": "An empty Content-Transfer-Encoding or one without a token ('?invalid'): "
                  "Harbor applies the RFC 2045 §6.1 default 7bit (Dovecot's BODYSTRUCTURE "
                  "vector says 7bit too); Python keeps the raw text. Both leave the body as is.",
    },
    # ----------------------------------------------------------------------- parameters
    {
        "category": "rfc2045-default-params",
        "file": "*",
        "when": "defaulted_type",
        "fields": ["params"],
        "reason": "No usable Content-Type: Harbor reports the RFC 2045 §5.2 default "
                  "'text/plain; charset=us-ascii' with its charset parameter, and for a "
                  "syntactically invalid field drops the field's parameters as §5.2 "
                  "recommends; Python lists only parameters written (even of an invalid type).",
    },
    {
        "category": "missing-semicolon",
        "file": "stalwart-mail-parser/resources/eml/rfc/001.eml",
        "part": "0.2",
        "fields": ["params"],
        "reason": "'access-type=mail-server<CRLF WSP>server=\"...\"' (a ';' missing, as in "
                  "RFC 2046 §5.2.3's example). RFC 2045 §5.1: a token has no SPACE, so both "
                  "end access-type at 'mail-server'; Harbor then reads server= as the next "
                  "parameter (as Stalwart does), Python drops it.",
    },
    {
        "category": "lenient-bare-value",
        "file": "wildduck-imap-core-tests/imap-core/test/fixtures/fix3.eml",
        "part": "0",
        "fields": ["params"],
        "reason": "boundary='----mailcomposer-?=_1-...' (single quotes, tspecials '?' and '='): "
                  "Harbor keeps an unquoted value up to ';' as readers do for real-world "
                  "boundaries, RFC 2045 §5.1 would end the token at '?'; Python drops the "
                  "parameter. Neither finds the delimiter (the quotes are not in the body).",
    },
    {
        "category": "python-type-tab",
        "file": "stalwart-mail-parser/resources/eml/malformed/017.eml",
        "part": "0",
        "fields": ["type"],
        "reason": "'multipart/mixed<TAB>boundary=...' without ';': Python's content type "
                  "keeps the tab and the rest; RFC 2045 §5.1 ends the subtype token at the "
                  "white space, as Harbor does.",
    },
    # ----------------------------------------------------------------------- addresses
    {
        "category": "comment-as-display-name",
        "file": "*",
        "fields": ["from", "to", "cc"],
        "check": "harbor_name_from_comment",
        "reason": "'addr@example (Real Name)': Harbor takes the comment as the display name "
                  "when there is no phrase (address_list.hpp; RFC 5322 §3.4 notes comments "
                  "were used for names, and IMAP ENVELOPE in Dovecot's vectors does the same); "
                  "Python's display_name is empty.",
    },
    {
        "category": "python-phrase-space",
        "file": "generated/*",
        "fields": ["from", "to", "cc"],
        "check": "same_without_spaces",
        "reason": "Adjacent encoded-words in a display name: RFC 2047 §6.2 says the white space "
                  "between them is ignored, Harbor does; policy.default keeps it (Python's "
                  "formataddr also splits words without encoding the space, so the intended "
                  "name is Harbor's).",
    },
    {
        "category": "python-header-error",
        "file": "mimekit-testdata/UnitTests/TestData/messages/delivery-status*",
        "part": "0",
        "fields": ["to"],
        "check": "python_error",
        "reason": "policy.default raises AttributeError ('Group' object has no attribute "
                  "'local_part') on these To fields (a CPython bug); Harbor gives an empty list.",
    },
    {
        "category": "malformed-address",
        "file": ["mimekit-testdata/UnitTests/TestData/messages/stack-overflow.txt",
                 "python-email-tests/data/msg_43.txt",
                 "stalwart-mail-parser/resources/eml/rfc/009.eml"],
        "fields": ["from", "to"],
        "reason": "Elements that are not RFC 5322 §3.4 mailboxes: a bare encoded-word phrase "
                  "after a comma, 'MAILER DAEMON <>' (an empty angle-addr is SMTP's null path, "
                  "not a mailbox) and a phrase without an address. Harbor skips them and flags "
                  "the list malformed; Python reports them with a partial addr-spec.",
    },
]
