#!/usr/bin/env python3
"""How much of the producers' own text zhsearch's readers give, per file.

For each office document and PDF of a folder (default: tests/fixtures/formats), the text the
producer itself extracts (`soffice --convert-to txt` for .docx/.doc/.wps/.odt, `pdftotext` for
.pdf) is compared with what zhsearch reads (`cargo run --example dump_report`):

- chars: the share of the producer's non-space characters that zhsearch's text has, in order
  (difflib's longest matching blocks);
- phrases: 10-character windows (every 5 characters) of each line of the producer's text, and
  how many occur verbatim in zhsearch's text. List bullets are the producer's rendering and
  are left out; so are pdftotext's spaces where Chinese meets digits or Latin, which zhsearch
  leaves out by design (`2022年`).

Running headers, footers and page numbers, which zhsearch removes from PDFs on purpose, count
as missing characters. Needs LibreOffice and poppler-utils:

    cargo build --example dump_report
    python3 scripts/compare_formats.py [FOLDER]
"""
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DUMP = os.path.join(REPO, "target", "debug", "examples", "dump_report")
CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]"


def ours(path):
    out = subprocess.run([DUMP, path], capture_output=True, text=True).stdout
    return out.split("\n--\n", 1)[1] if "\n--\n" in out else None


def producers(path, work):
    name = os.path.basename(path)
    if name.endswith(".pdf"):
        out = os.path.join(work, name + ".txt")
        subprocess.run(["pdftotext", "-enc", "UTF-8", path, out], check=False)
    else:
        folder = os.path.join(work, name.replace(".", "_"))
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{work}/profile", "--headless",
             "--convert-to", "txt:Text (encoded):UTF8", "--outdir", folder, path],
            capture_output=True, check=False, timeout=180)
        out = os.path.join(folder, os.path.splitext(name)[0] + ".txt")
    if not os.path.exists(out):
        return None
    return open(out, encoding="utf-8", errors="replace").read().replace("\ufeff", "")


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "tests/fixtures/formats")
    files = sorted(p for p in glob.glob(os.path.join(folder, "*"))
                   if p.endswith((".docx", ".doc", ".wps", ".odt", ".pdf")))
    total_windows = total_found = 0
    with tempfile.TemporaryDirectory() as work:
        for path in files:
            name = os.path.basename(path)
            theirs, mine = producers(path, work), ours(path)
            if theirs is None or mine is None:
                print(f"{name}: {'no producer text' if theirs is None else 'not read by zhsearch'}")
                continue
            a, b = re.sub(r"\s", "", theirs), re.sub(r"\s", "", mine)
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            matched = sum(m.size for m in matcher.get_matching_blocks())
            windows = []
            for line in theirs.replace("\f", "\n").split("\n"):
                line = re.sub(r"^•\s*", "", line.strip())
                if name.endswith(".pdf"):
                    line = re.sub(rf"(?<=[0-9A-Za-z]) +(?={CJK})|(?<={CJK}) +(?=[0-9A-Za-z])", "", line)
                for cell in line.split("\t"):
                    cell = cell.strip()
                    windows += [cell[i:i + 10] for i in range(0, max(1, len(cell) - 9), 5)
                                if len(cell[i:i + 10]) >= 6]
            found = [w for w in windows if w in mine]
            missing = [w for w in windows if w not in mine][:3]
            total_windows += len(windows)
            total_found += len(found)
            print(f"{name}: chars {matched / max(1, len(a)):.1%} ({len(a)} theirs, {len(b)} ours), "
                  f"phrases {len(found)}/{len(windows)}" + (f", missing e.g. {missing}" if missing else ""))
    if total_windows:
        print(f"all: phrases {total_found}/{total_windows} = {total_found / total_windows:.1%}")


if __name__ == "__main__":
    main()
