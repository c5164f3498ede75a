#!/usr/bin/python3
"""Differential test: Harbor's SPF check_host() (through spf_check_dump) against pyspf.

Every case of the openspf SPF test suite (../shared/testdata/spf/rfc7208-tests.json, its RFC 4408
edition and pyspf's own test.json; --suite picks files) is run by both implementations over the
scenario's zone data:

  Harbor  spf_check_dump FILE serves each scenario's zone from test::ZoneLookups
          (src/auth/spf/suite_zone.hpp) and prints one JSON line per case.
  pyspf   Debian's python3-spf; spf.DNSLookup is replaced by zone_lookup() below, which
          answers from the same zone data with the suite driver's rules
          (shared/testdata/README.md "spf/"), the way pyspf's own test driver does.

Each file is run twice: as written, and as "FILE~" variants in which every case is asked again
for every other address its scenario names (A/AAAA data, other cases' clients); variants have
no expectation, they reach paths the suite's one client per case does not.

Both are asked what the suite's reference driver asks: <ip> = host, <sender> = mailfrom,
HELO = helo, default explanation "DEFAULT" (and pyspf's strict mode where a case sets one, as
its driver does; Harbor has no such modes). The results are compared, and for a fail both
have, the explanations. Every disagreement must be listed in KNOWN_DISAGREEMENTS with the RFC
section that decides it; the test fails on an unlisted disagreement, and on a listed one that
no longer occurs (so the table stays true). Agreement with the suite's expectation is not
judged here (spf_suite_test does that); each disagreement line says which side the suite
takes.

Usage: spf_pyspf.py --dump PATH/TO/spf_check_dump --testdata PATH/TO/shared/testdata
                    [--suite rfc7208-tests.json ...]
"""

import argparse
import fnmatch
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

import spf  # Debian python3-spf

# (suite file pattern, case name pattern, why the two differ with the RFC 7208 section that
# decides). Patterns are fnmatch globs; "FILE~" is the file's variant run (see variants()).
KNOWN_DISAGREEMENTS = [
    ("test.json*", "default-modifier", "pyspf's own case, run with strict=0 (its lax mode), "
     "which honours the obsolete default= modifier of pre-RFC 4408 drafts and fails. RFC 7208 "
     "§6: \"Unrecognized modifiers MUST be ignored\", so \"v=spf1 default=-\" ends neutral "
     "(§4.7), as the RFC 7208 suite's default-modifier-obsolete expects"),
    ("test.json*", "default-modifier~*", "as default-modifier, for another client"),
    ("test.json*", "default-modifier-harsh*", "pyspf's own case, run with strict=2, where pyspf "
     "answers \"ambiguous\": no SPF result (RFC 7208 §2.6 has none, neutral, pass, fail, "
     "softfail, temperror, permerror); the unknown default= modifier is ignored (§6): neutral "
     "(§4.7)"),
    ("rfc7208-tests.json~", "bytes-bug~*", "the case runs pyspf with strict=2, where a ptr "
     "mechanism without PTR records is \"ambiguous\" (not an RFC 7208 result, §2.6). RFC 7208 "
     "§5.5: no PTR names, no validated name, no match; so -all: fail"),
    ("rfc*-tests.json~", "mx-limit~*", "a client that the first MX host matches: Harbor looks "
     "up MX hosts in turn and stops at the match, pyspf refuses any MX answer of more than 10 "
     "names. RFC 7208 §4.6.4: \"the evaluation of each MX record MUST NOT result in querying "
     "more than 10 address records ... If this limit is exceeded, the mx mechanism MUST produce "
     "a permerror\": one address lookup was made, so the match stands (the Stalwart case "
     "basic.yml \"DNS Lookup Limits\" #6 expects this too); for the suite's own client, the "
     "11th host, both give permerror"),
    ("rfc*-tests.json~", "p-macro-multiple~*", "a client without PTR records: pyspf counts the "
     "PTR lookup behind %{p} as a void lookup, the third, and gives permerror; Harbor counts "
     "void lookups per term (RFC 7208 §4.6.4: \"the number of terms for which DNS queries "
     "return\" no records), here the two exists: terms, and ends neutral. The macro's lookup "
     "is no term's query"),
]

PYSPF_RESULTS = {"unknown": "permerror", "error": "temperror"}


class Zone:
    """One scenario's zone data with the suite driver's rules (README "spf/")."""

    def __init__(self, zonedata):
        self.names = {}
        for name, entries in (zonedata or {}).items():
            listed = []
            has_txt = False
            for entry in entries:
                if entry == "TIMEOUT":
                    listed.append(("TIMEOUT", None))
                    continue
                ((rtype, value),) = entry.items()
                if rtype == "TXT":
                    has_txt = True
                listed.append((rtype, value))
            # SPF-type records are served as TXT too, after the rest, unless the name has TXT.
            if not has_txt:
                listed += [("TXT", value) for rtype, value in listed if rtype == "SPF"]
            self.names[self.key(name)] = listed

    @staticmethod
    def key(name):
        return name.lower().rstrip(".")

    def lookup(self, name, qtype, depth=0):
        """The answer records ((owner, type), value) as pyspf's DNSLookup yields them."""
        labels = [label for label in name.split(".") if label]
        if any(len(label) > 63 for label in labels):
            raise spf.TempError("DNS label longer than 63 octets")
        key = ".".join(labels).lower()
        if key not in self.names:
            if key.startswith("error."):
                raise spf.TempError("DNS timeout")
            return []  # NXDOMAIN
        answer = []
        for rtype, value in self.names[key]:
            if rtype == "TIMEOUT":
                if not any(t == qtype for (_, t), _ in answer):
                    raise spf.TempError("DNS timeout")
                break
            if rtype == qtype:
                if value == "TIMEOUT":
                    raise spf.TempError("DNS timeout")
                if value == "NONE":
                    continue
                answer.append(((key, rtype), self.rdata(rtype, value)))
            elif rtype == "CNAME" and qtype != "CNAME":
                # A resolver's answer: the CNAME, then the target's records (one level, as the
                # reference driver; pyspf follows longer chains and spots loops itself).
                answer.append(((key, "CNAME"), self.key(value)))
                if depth == 0:
                    answer += self.lookup(value, qtype, depth + 1)
        return answer

    @staticmethod
    def rdata(rtype, value):
        if rtype in ("TXT", "SPF"):
            strings = [value] if isinstance(value, str) else value
            return tuple(s.encode("utf-8") for s in strings)
        if rtype == "MX":
            return (value[0], value[1])
        if rtype == "AAAA":
            return str(ipaddress.ip_address(value))
        return value


ZONE = Zone({})


def known_entry(key):
    """The index of the KNOWN_DISAGREEMENTS entry for (suite, case), or None."""
    for index, (suite_glob, case_glob, _) in enumerate(KNOWN_DISAGREEMENTS):
        if fnmatch.fnmatchcase(key[0], suite_glob) and fnmatch.fnmatchcase(key[1], case_glob):
            return index
    return None


def zone_lookup(name, qtype, strict=True, timeout=None):
    return ZONE.lookup(name, qtype)


spf.DNSLookup = zone_lookup


def run_pyspf(scenarios):
    global ZONE
    out = {}
    for index, scenario in enumerate(scenarios):
        for name, case in scenario["tests"].items():
            ZONE = Zone(scenario.get("zonedata"))
            query = spf.query(i=case["host"], s=case["mailfrom"], h=case["helo"],
                              strict=case.get("strict", True))
            query.set_default_explanation("DEFAULT")
            result, _, explanation = query.check()
            out[(index, name)] = (PYSPF_RESULTS.get(result, result), explanation)
    return out


def run_harbor(dump, path):
    completed = subprocess.run([dump, path], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.exit("spf_check_dump failed: " + completed.stderr)
    out = {}
    for line in completed.stdout.splitlines():
        row = json.loads(line)
        out[(row["scenario"], row["name"])] = (row["result"], row["explanation"], row["reason"])
    return out


def scenario_addresses(scenario):
    """Every address the scenario names: its A/AAAA records and its clients."""
    found = set()
    for entries in (scenario.get("zonedata") or {}).values():
        for entry in entries:
            if isinstance(entry, dict):
                for rtype, value in entry.items():
                    if rtype in ("A", "AAAA") and value != "TIMEOUT":
                        found.add(str(ipaddress.ip_address(value)))
    for case in scenario["tests"].values():
        found.add(str(ipaddress.ip_address(case["host"])))
    return sorted(found)


def variants(scenarios):
    """The suite again with each case asked for every other address of its scenario (no
    expectation: only the two implementations are compared). Case names get "~address"."""
    out = []
    for scenario in scenarios:
        tests = {}
        for name, case in scenario["tests"].items():
            for address in scenario_addresses(scenario):
                if address != str(ipaddress.ip_address(case["host"])):
                    variant = {k: v for k, v in case.items() if k != "explanation"}
                    variant.update(host=address, result=[])
                    tests[f"{name}~{address}"] = variant
        out.append(dict(scenario, tests=tests))
    return out


def expected(case):
    result = case["result"]
    return result if isinstance(result, list) else [result]


def compare(suite, scenarios, harbor, pyspf_out):
    """The disagreements of one suite file: {(suite, name): line}."""
    found = {}
    for index, scenario in enumerate(scenarios):
        for name, case in scenario["tests"].items():
            h_result, h_explanation, h_reason = harbor[(index, name)]
            p_result, p_explanation = pyspf_out[(index, name)]
            differs = h_result != p_result
            if not differs and h_result == "fail" and h_explanation != p_explanation:
                differs = True
            if not differs:
                continue
            want = expected(case)
            side = []
            if h_result in want:
                side.append("Harbor")
            if p_result in want:
                side.append("pyspf")
            verdict = (f"suite wants {'|'.join(want)} ({' and '.join(side) or 'neither'} agree)"
                       if want else "no expectation (variant)")
            found[(suite, name)] = (
                f"{suite} {name} (§{case.get('spec')}): Harbor {h_result} {h_explanation!r}"
                f" [{h_reason}], pyspf {p_result} {p_explanation!r}; {verdict}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--suite", action="append")
    args = parser.parse_args()
    suites = args.suite or ["rfc7208-tests.json", "rfc4408-tests.json", "test.json"]

    found = {}
    cases = 0
    with tempfile.TemporaryDirectory() as scratch:
        for suite in suites:
            path = os.path.join(args.testdata, "spf", suite)
            with open(path, encoding="utf-8") as handle:
                scenarios = json.load(handle)
            variant_path = os.path.join(scratch, suite + "~")
            with open(variant_path, "w", encoding="utf-8") as handle:
                json.dump(variants(scenarios), handle)
            for label, file, data in ((suite, path, scenarios),
                                      (suite + "~", variant_path, variants(scenarios))):
                harbor = run_harbor(args.dump, file)
                pyspf_out = run_pyspf(data)
                if set(harbor) != set(pyspf_out):
                    sys.exit(f"{label}: spf_check_dump printed other cases than the file holds")
                cases += len(harbor)
                found.update(compare(label, data, harbor, pyspf_out))

    failures = 0
    used = set()
    for key, line in sorted(found.items()):
        entry = known_entry(key)
        if entry is not None:
            used.add(entry)
            print(f"known:    {line}\n          why: {KNOWN_DISAGREEMENTS[entry][2]}")
        else:
            print(f"UNLISTED: {line}")
            failures += 1
    labels = suites + [suite + "~" for suite in suites]
    for index, (suite_glob, case_glob, _) in enumerate(KNOWN_DISAGREEMENTS):
        applies = any(fnmatch.fnmatchcase(label, suite_glob) for label in labels)
        if applies and index not in used:
            print(f"STALE:    {suite_glob} {case_glob} is listed but matches no disagreement")
            failures += 1
    known = sum(1 for key in found if known_entry(key) is not None)
    print(f"{cases} cases, {len(found)} disagreements ({known} known), {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
