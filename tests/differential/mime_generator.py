"""Deterministic generator of MIME messages for the differential test (test_mime_vs_python.py).

Messages are built with Python's own email package (email.mime.*, email.charset, email.header)
from a seeded random.Random, so every run writes the same bytes: text parts in utf-8,
iso-8859-1, koi8-r and shift_jis with base64, quoted-printable or 8bit bodies; nested
multipart/mixed, alternative and related; message/rfc822 attachments; binary attachments with
long non-ASCII filenames (RFC 2231 §3/§4 continuations when serialised with policy.default,
a single name*= value with compat32); RFC 2047 encoded-word subjects and display names; CRLF
or LF line ends.
"""

import email.charset
import email.policy
import email.utils
import os
import random
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

DEFAULT_COUNT = 300
SEED = 20260803

WORDS = {
    "us-ascii": ["alpha", "beta", "gamma", "delta", "mail", "server", "harbor", "=", "tab\tx",
                 "dots...", "From", "--", "end."],
    "iso-8859-1": ["café", "déjà", "vu", "naïve", "façade", "über", "Ærø", "señor", "±½"],
    "koi8-r": ["Привет", "мир", "почта", "сервер", "ёлка", "съешь", "ещё"],
    "shift_jis": ["日本語", "テキスト", "メール", "サーバー", "です", "漢字"],
    "utf-8": ["naïve", "Привет", "日本語", "emoji😀", "Ελληνικά", "עברית", "ß", "€"],
}
CHARSETS = ["utf-8", "iso-8859-1", "koi8-r", "shift_jis", "us-ascii"]
BODY_ENCODINGS = [email.charset.BASE64, email.charset.QP, None]
FILENAME_WORDS = ["Quarterly", "report", "Jahresbericht", "Übersicht", "отчёт", "報告書",
                  "final", "v2", "très", "long"]


def _text(rng, charset, lines):
    words = WORDS[charset] + WORDS["us-ascii"]
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(words) for _ in range(rng.randint(0, 14))))
    if rng.random() < 0.2:
        out.append("x" * rng.randint(70, 200))  # forces soft line breaks in QP
    return "\n".join(out) + ("\n" if rng.random() < 0.8 else "")


def _charset(rng, name):
    charset = email.charset.Charset(name)
    if name != "us-ascii":
        charset.body_encoding = rng.choice(BODY_ENCODINGS)
        # shift_jis would be converted to iso-2022-jp on output; keep the label honest.
        charset.output_charset = name
        charset.output_codec = charset.input_codec
    return charset


def _text_part(rng):
    name = rng.choice(CHARSETS)
    subtype = rng.choice(["plain", "plain", "html"])
    body = _text(rng, name, rng.randint(0, 12))
    if subtype == "html":
        body = "<html><body><p>" + body.replace("\n", "<br>\n") + "</p></body></html>\n"
    part = MIMEText(body, subtype, _charset(rng, name))
    if rng.random() < 0.2:
        part.add_header("Content-Disposition", "inline")
    return part


def _filename(rng):
    words = [rng.choice(FILENAME_WORDS) for _ in range(rng.randint(1, 12))]
    return "_".join(words) + rng.choice([".pdf", ".bin", ".tar.gz", ""])


def _attachment(rng):
    data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 600)))
    subtype = rng.choice(["octet-stream", "pdf", "zip"])
    part = MIMEApplication(data, subtype)
    filename = _filename(rng)
    style = rng.randrange(3)
    if style == 0:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
    elif style == 1:
        part.add_header("Content-Disposition", "attachment",
                        filename=("utf-8", "en", filename))
        part.set_param("name", filename.encode("ascii", "replace").decode())
    else:
        ascii_name = filename.encode("ascii", "replace").decode().replace("?", "x")
        part.add_header("Content-Disposition", "attachment", filename=ascii_name)
    return part


def _address(rng, charset):
    name = " ".join(rng.choice(WORDS[charset] + ["Doe", "Smith", "J."])
                    for _ in range(rng.randint(0, 3)))
    local = rng.choice(["alice", "bob", "carol.x", "d+tag", "e_f"])
    domain = rng.choice(["example.org", "mail.example.com", "x.test"])
    if not name:
        return local + "@" + domain
    return email.utils.formataddr((name, local + "@" + domain), charset=charset)


def _headers(rng, message):
    charset = rng.choice(CHARSETS)
    subject = " ".join(rng.choice(WORDS[charset] + WORDS["us-ascii"])
                       for _ in range(rng.randint(0, 20)))
    if charset == "us-ascii":
        message["Subject"] = subject
    else:
        message["Subject"] = Header(subject, charset).encode(maxlinelen=rng.choice([76, 40]))
    message["From"] = _address(rng, rng.choice(CHARSETS))
    message["To"] = ", ".join(_address(rng, rng.choice(CHARSETS))
                              for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.3:
        message["Cc"] = _address(rng, rng.choice(CHARSETS))
    message["Message-ID"] = "<%d.%d@gen.example>" % (rng.randrange(10**9), rng.randrange(100))


def _part(rng, depth):
    roll = rng.random()
    if depth < 3 and roll < 0.3:
        container = MIMEMultipart(rng.choice(["mixed", "alternative", "related"]))
        for _ in range(rng.randint(1, 4)):
            container.attach(_part(rng, depth + 1))
        if rng.random() < 0.2:
            container.preamble = "This is a multi-part message in MIME format."
        if rng.random() < 0.2:
            container.epilogue = "epilogue text"
        return container
    if depth < 3 and roll < 0.4:
        return MIMEMessage(_message(rng, depth + 1))
    if roll < 0.7:
        return _text_part(rng)
    return _attachment(rng)


def _message(rng, depth=0):
    message = _part(rng, depth) if rng.random() < 0.6 else _text_part(rng)
    if message.get_content_type() == "message/rfc822":
        wrapper = MIMEMultipart("mixed")
        wrapper.attach(_text_part(rng))
        wrapper.attach(message)
        message = wrapper
    _headers(rng, message)
    return message


def generate(count=DEFAULT_COUNT, seed=SEED):
    """Yields (name, bytes) for `count` messages; the same seed gives the same bytes."""
    rng = random.Random(seed)
    for index in range(count):
        message = _message(rng)
        policy = rng.choice([email.policy.compat32, email.policy.SMTP, email.policy.default,
                             email.policy.SMTPUTF8.clone(linesep="\r\n")])
        yield "gen-%03d.eml" % index, message.as_bytes(policy=policy)


def write_messages(directory, count=DEFAULT_COUNT, seed=SEED):
    paths = []
    for name, data in generate(count, seed):
        path = os.path.join(directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        paths.append(path)
    return paths
