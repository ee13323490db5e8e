"""Each given file appears, byte for byte, as one fenced code block of the
README (so the README's examples stay the files the tests build and run).

  check_readme_snippets.py README.md FILE...
"""
import re
import sys


def blocks(text):
    return [m.group(1) for m in re.finditer(r"^```[a-z]*\n(.*?)^```$", text, re.S | re.M)]


def main():
    readme, files = sys.argv[1], sys.argv[2:]
    with open(readme, encoding="utf-8") as f:
        found = blocks(f.read())
    failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            want = f.read()
        if want in found:
            print("ok: %s is a code block of %s" % (path, readme))
        else:
            print("FAIL: %s is not, byte for byte, a code block of %s" % (path, readme))
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
