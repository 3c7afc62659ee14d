#!/usr/bin/env python3
"""Rewrite the paths in winsock-doctor's JSON output so the Linux and Windows runs compare equal.

Used by windows-stage.sh. Reads JSON on stdin, writes it sorted and indented on stdout. Every string
(and object key) is rewritten:
  - Windows paths become Unix ones: `Z:\\a\\b` -> `/a/b` (Wine's Z: is the Unix root) and
    `D:\\a` -> `@VOL@/a` (D: is the test volume). Both sides get this, because a fixed text such as
    the system file check's `sfc /offbootdir=D:\\` names D: on Linux too;
  - then every `--root NAME=PREFIX` occurrence becomes NAME.
`created` (when each run happened) is dropped. Nothing else changes, so any other difference
between the two runs still shows.
"""

import argparse
import json
import re
import sys

# A drive-letter path inside a string: up to the next whitespace or quote.
WINDOWS_PATH = re.compile(r"\b[A-Za-z]:\\[^\s\"']*")


def windows_to_unix(match: re.Match) -> str:
    text = match.group(0)
    drive, rest = text[0].upper(), text[2:].replace("\\", "/")
    if drive == "Z":
        return rest or "/"
    if drive == "D":
        # `D:\` is the volume root, which Linux names without a trailing separator.
        return "@VOL@" + (rest if rest != "/" else "")
    return text  # another drive: left alone so the difference shows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", default=[], metavar="NAME=PREFIX")
    args = parser.parse_args()
    roots = [tuple(r.split("=", 1)) for r in args.root]
    # Longest prefix first, so a root inside another root is not half-replaced.
    roots.sort(key=lambda r: len(r[1]), reverse=True)

    def fix(text: str) -> str:
        text = WINDOWS_PATH.sub(windows_to_unix, text)
        for name, prefix in roots:
            text = text.replace(prefix, name)
        return text

    def walk(value):
        if isinstance(value, str):
            return fix(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {fix(k): walk(v) for k, v in value.items()}
        return value

    raw = sys.stdin.read()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        print(f"not JSON ({error}); output begins: {raw[:200]!r}", file=sys.stderr)
        return 1
    if isinstance(document, dict):
        document.pop("created", None)
    json.dump(walk(document), sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
