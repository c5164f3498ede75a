#!/usr/bin/python3
"""Converts the ValiMail ARC test suite (shared/testdata/dkim-arc/arc_test_suite, YAML) to one
JSON file for suite_test.cpp, which reads it with nlohmann_json: the build runs this script,
so the C++ test needs no YAML parser. Data only: nothing is changed but the container format.

usage: arc_suite_to_json.py <validation.yml> <sign.yml> <out.json>
"""
import json
import sys

import yaml


def scenarios(path):
    with open(path, encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def main():
    validation_path, sign_path, out_path = sys.argv[1:4]
    validation = []
    for scenario in scenarios(validation_path):
        for name, test in scenario["tests"].items():
            validation.append({
                "scenario": scenario.get("description", "").strip(),
                "name": name,
                "description": str(test.get("description", "")).strip(),
                "message": test["message"],
                "cv": str(test["cv"] if test["cv"] is not None else ""),
                "txt": scenario.get("txt-records", {}),
            })
    sign = []
    for scenario in scenarios(sign_path):
        for name, test in scenario["tests"].items():
            sign.append({
                "scenario": scenario.get("description", "").strip(),
                "name": name,
                "description": str(test.get("description", "")).strip(),
                "message": test["message"],
                "t": int(test["t"]),
                "sig_headers": test["sig-headers"],
                "srv_id": test["srv-id"],
                "AS": test["AS"],
                "AMS": test["AMS"],
                "AAR": test["AAR"],
                "domain": scenario["domain"],
                "selector": scenario["sel"],
                "private_key": scenario["privatekey"],
                "txt": scenario.get("txt-records", {}),
            })
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump({"validation": validation, "sign": sign}, out, indent=1)


if __name__ == "__main__":
    main()
