#!/usr/bin/env python3
"""Checks the shape ARCHITECTURE.md describes, for anyone to run:

- no import circle between the library's top-level modules (`crate::X` paths in code, doc
  comments and string literals left out);
- src/main.rs under 300 lines;
- no global mutable state: a `static` of a Mutex, RwLock, Cell, RefCell or atomic is reported,
  and so is a OnceLock/LazyLock of a type holding one (bundled immutable data in a
  OnceLock/LazyLock is fine).

Exit status 1 when a check fails. Usage: python3 scripts/check_structure.py [SRC_DIR]
"""
import re
import sys
from pathlib import Path

src = Path(sys.argv[1] if len(sys.argv) > 1 else "src")
lib_modules = {p.stem if p.is_file() else p.name
               for p in src.iterdir()
               if (p.suffix == ".rs" and p.stem not in ("lib", "main")) or (p.is_dir() and p.name != "cli")}


def code_lines(path):
    """The file's lines with comments and string literals blanked (roughly, but enough for
    paths)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for line in text.splitlines():
        line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
        line = line.split("//", 1)[0]
        out.append(line)
    return out


def module_of(path):
    rel = path.relative_to(src)
    return rel.parts[0].removesuffix(".rs")


edges = {}
for path in src.rglob("*.rs"):
    module = module_of(path)
    if module not in lib_modules:
        continue
    for line in code_lines(path):
        for target in re.findall(r"\bcrate::([a-z_]+)", line):
            if target in lib_modules and target != module:
                edges.setdefault(module, {}).setdefault(target, path)

failed = False


def cycles():
    found = []
    def visit(node, stack):
        for nxt in edges.get(node, {}):
            if nxt in stack:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif len(stack) < len(lib_modules):
                visit(nxt, stack + [nxt])
    for start in sorted(edges):
        visit(start, [start])
    unique = {}
    for c in found:
        key = frozenset(c)
        unique.setdefault(key, c)
    return list(unique.values())


loops = cycles()
for c in loops:
    failed = True
    print("import circle: " + " -> ".join(c))
    for a, b in zip(c, c[1:]):
        print(f"  {a} -> {b} (e.g. {edges[a][b]})")
if not loops:
    print("no import circle between " + ", ".join(sorted(lib_modules)))

main_lines = len((src / "main.rs").read_text(encoding="utf-8").splitlines())
print(f"src/main.rs: {main_lines} lines")
if main_lines >= 300:
    failed = True
    print("  src/main.rs must stay under 300 lines")

# A thread-local is not global: the PDF loader's one is the budget of the read on that thread,
# passed to a filter lopdf takes as a plain function pointer (no state of its own).
mutable = re.compile(r"\bstatic\s+[A-Z_]+\s*:\s*[^=]*\b(Mutex|RwLock|RefCell|Cell|Atomic[A-Za-z0-9]*)\b")
for path in sorted(src.rglob("*.rs")):
    in_thread_local = False
    for number, line in enumerate(code_lines(path), 1):
        if "thread_local!" in line:
            in_thread_local = True
        elif in_thread_local and line.startswith("}"):
            in_thread_local = False
        if mutable.search(line) and not in_thread_local:
            failed = True
            print(f"global mutable state: {path}:{number}: {line.strip()}")
# Statics of a OnceLock/LazyLock whose type (a struct of the crate) holds a lock or a cell.
structs = {}
for path in src.rglob("*.rs"):
    text = "\n".join(code_lines(path))
    for name, body in re.findall(r"\bstruct\s+([A-Z][A-Za-z0-9]*)[^{;]*\{(.*?)\n\}", text, flags=re.S):
        structs.setdefault(name, (path, body))
lazy = re.compile(r"\bstatic\s+[A-Z_]+\s*:\s*(?:std::sync::)?(?:OnceLock|LazyLock)<(?:Arc<)?([A-Z][A-Za-z0-9]*)")
interior = re.compile(r"\b(Mutex|RwLock|RefCell|Cell|Atomic[A-Za-z0-9]*)\b")
for path in sorted(src.rglob("*.rs")):
    for number, line in enumerate(code_lines(path), 1):
        m = lazy.search(line)
        if m and m.group(1) in structs and interior.search(structs[m.group(1)][1]):
            failed = True
            print(f"global mutable state: {path}:{number}: {line.strip()} "
                  f"({m.group(1)} holds {interior.search(structs[m.group(1)][1]).group(1)})")
sys.exit(1 if failed else 0)
