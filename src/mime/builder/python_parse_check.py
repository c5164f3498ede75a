#!/usr/bin/python3
"""Cross-check of Harbor's MIME builder against a parser that is not ours.

Usage: python_parse_check.py MIME_BUILD_SAMPLES OUTDIR
Runs mime_build_samples to write OUTDIR/*.eml and OUTDIR/expected.json, then reads every
message with Python's email package (policy=email.policy.default) and checks the decoded
subject, addresses, attachment file names and body texts, the DSN's message/delivery-status
fields (RFC 3464) and the rewritten message's texts. Prints "N passed, N failed".
"""
import email
import email.policy
import json
import os
import subprocess
import sys


def text_parts(message):
    """Text leaves that are not attachments, in order."""
    return [part for part in message.walk()
            if not part.is_multipart() and part.get_content_maintype() == "text"
            and part.get_content_disposition() != "attachment"]


def check_random(message, want):
    problems = []
    if str(message["Subject"]) != want["subject"]:
        problems.append("subject %r != %r" % (str(message["Subject"]), want["subject"]))
    got = [(a.display_name, a.username, a.domain) for a in message["To"].addresses]
    expected = [(a["name"], a["local"], a["domain"]) for a in want["to"]]
    if got != expected:
        problems.append("to %r != %r" % (got, expected))
    names = [part.get_filename() for part in message.walk()
             if part.get_content_disposition() == "attachment"]
    if names != want["filenames"]:
        problems.append("filenames %r != %r" % (names, want["filenames"]))
    return problems + check_texts(message, want)


def lf(text):
    """Python's quoted-printable decoder gives LF line ends; compare line ends as LF."""
    return text.replace("\r\n", "\n")


def check_texts(message, want):
    texts = [lf(part.get_content()) for part in text_parts(message)]
    if texts != [lf(text) for text in want["texts"]]:
        return ["texts %r != %r" % (texts, want["texts"])]
    return []


def check_dsn(message, want):
    problems = []
    if message.get_content_type() != "multipart/report":
        problems.append("type " + message.get_content_type())
    if message.get_param("report-type") != "delivery-status":
        problems.append("report-type %r" % message.get_param("report-type"))
    if message["Auto-Submitted"] != "auto-replied":
        problems.append("Auto-Submitted %r" % message["Auto-Submitted"])
    parts = message.get_payload()
    if len(parts) != 3 or parts[1].get_content_type() != "message/delivery-status":
        return problems + ["parts %r" % [p.get_content_type() for p in parts]]
    # Python parses message/delivery-status into one Message per field block.
    blocks = parts[1].get_payload()
    if len(blocks) != 2:
        return problems + ["%d delivery-status blocks" % len(blocks)]
    pairs = [(blocks[0]["Reporting-MTA"], want["reporting_mta"]),
             (blocks[1]["Final-Recipient"], want["final_recipient"]),
             (blocks[1]["Action"], want["action"]),
             (blocks[1]["Status"], want["status"])]
    for got, expected in pairs:
        if str(got) != expected:
            problems.append("field %r != %r" % (got, expected))
    original = parts[2]
    if original.get_content_type() != "message/rfc822":
        problems.append("original type " + original.get_content_type())
    elif str(original.get_payload()[0]["Subject"]) != want["original_subject"]:
        problems.append("original subject")
    return problems


def main():
    program, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    subprocess.run([program, outdir], check=True)
    with open(os.path.join(outdir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    passed = failed = 0
    for want in expected:
        with open(os.path.join(outdir, want["file"]), "rb") as f:
            message = email.message_from_binary_file(f, policy=email.policy.default)
        if want["kind"] == "random":
            problems = check_random(message, want)
        elif want["kind"] == "dsn":
            problems = check_dsn(message, want)
        else:
            problems = check_texts(message, want)
            if str(message["Subject"]) != want["subject"]:
                problems.append("subject %r" % str(message["Subject"]))
        for defect in message.defects:
            problems.append("defect %r" % defect)
        if problems:
            failed += 1
            print("FAIL %s: %s" % (want["file"], "; ".join(problems)[:2000]))
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed == len(expected) and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
