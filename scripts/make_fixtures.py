#!/usr/bin/env python3
"""Rebuild tests/fixtures/formats/: small office documents made by real producers, the bad
files next to them, expected.json and the README that says how each was made.

usage: scripts/make_fixtures.py [--out tests/fixtures/formats] [--poi POI_GIT_DIR]
                                [--bench ../shared/bench]

Setup (Debian/Ubuntu, as root):
    apt-get install -y libreoffice-writer-nogui fonts-noto-cjk fonts-wqy-microhei pandoc \
        poppler-utils
--poi is a git directory of github.com/apache/poi (e.g. from `git clone --bare`); the
Word-made samples and two password-protected files are read from its test-data/document/.
The encrypted .doc is saved through LibreOffice's UNO API, which needs the system python3
(/usr/bin/python3, with the `uno` module the LibreOffice packages install).

The reports are corpus/*.txt (with a table and a list added, as such reports have) and seven
news items of ../shared/bench (copyrighted; used here only as test material). Output bytes
differ from run to run (producers stamp dates), the text does not. Standard library only.
"""
import argparse
import glob
import gzip
import html
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import docgen  # noqa: E402

POI_DIR = "test-data/document/"

# --- the reports --------------------------------------------------------------------------------

SUMMARY = {
    "title": "红旗街道党工委2017年度党建工作总结",
    "date_line": "发布时间：2018年3月5日",
    "blocks": [
        ("p", "2017年，红旗街道党工委坚持以习近平新时代中国特色社会主义思想为指导，认真学习贯彻党的十九大精神，围绕“党建引领、服务群众、推动发展”的工作主线，推动全面从严治党向基层延伸，各项工作取得新成效。"),
        ("h", "强化理论武装 筑牢思想根基"),
        ("p", "街道党工委把学习宣传贯彻党的十九大精神作为首要政治任务，坚持党工委理论学习中心组每月集中学习制度，全年开展集中学习12次、专题研讨4次。组织“两学一做”学习教育常态化制度化，辖区128名党员参加轮训，实现全覆盖。"),
        ("h", "夯实基层基础 打造坚强堡垒"),
        ("p", "推行党建网格化管理，将辖区划分为36个网格，每个网格配备1名党员网格员，做到“小事不出网格、大事不出社区”。开展软弱涣散基层党组织整顿，调整充实社区“两委”班子成员5名。落实“三会一课”、主题党日等组织生活制度，基层党组织标准化建设达标率100%。"),
        ("table", [["指标", "2017年完成", "备注"],
                   ["中心组集中学习", "12次", "每月1次"],
                   ["专题研讨", "4次", "围绕党的十九大精神"],
                   ["党员轮训", "128名", "实现全覆盖"],
                   ["党建网格", "36个", "每格配备1名党员网格员"]]),
        ("h", "转变工作作风 密切联系群众"),
        ("p", "深入开展“走基层、察民情、解民忧”活动，班子成员带头联系困难群众，整治形式主义、官僚主义突出问题。"),
        ("list", ["班子成员带头联系困难群众42户",
                  "帮助解决就业、就医、住房等实际问题67件",
                  "精简会议文件三分之一"]),
        ("h", "存在问题和下步打算"),
        ("p", "对照上级要求，仍存在部分党员作用发挥不够明显、党建与业务融合不够紧密等问题。2018年，街道党工委将以提升组织力为重点，推进党建引领基层治理创新，为辖区经济社会发展提供坚强组织保证。"),
    ],
    "footnote": (2, "数据来源：街道党工委组织办2017年12月统计。"),
    "textbox": "编者按：本文为街道党工委向区委报送的年度书面报告。",
}

DEBRIEF = {
    "title": "乡镇党委书记2018年抓基层党建工作述职报告",
    "date_line": "时间：2019年1月15日",
    "blocks": [
        ("p", "一年来，本人认真履行党建工作第一责任人职责，坚持把抓好党建作为最大的政绩，推动全镇基层党建工作质量不断提升。"),
        ("h", "履行职责情况"),
        ("list", ["一是压实责任链条。制定党委班子成员党建工作责任清单，签订基层党建目标责任书23份，形成书记带头抓、班子成员分工抓、支部书记具体抓的工作格局。",
                  "二是建强基层组织。全镇23个村党组织全部完成换届，选优配强村党组织书记，其中致富能手型书记9名。实施村级集体经济“清零”行动，消除集体经济空壳村6个。",
                  "三是锻造干部队伍。举办村干部能力提升培训班3期，选派年轻干部到信访、扶贫一线挂职锻炼，培养入党积极分子31名。"]),
        ("table", [["项目", "数量"],
                   ["签订基层党建目标责任书", "23份"],
                   ["完成换届的村党组织", "23个"],
                   ["致富能手型村党组织书记", "9名"],
                   ["消除集体经济空壳村", "6个"],
                   ["培养入党积极分子", "31名"]]),
        ("h", "存在的问题"),
        ("p", "一是个别村党组织书记年龄偏大，后备力量不足；二是部分党员教育管理存在宽松软现象。"),
        ("h", "下一步工作打算"),
        ("p", "坚持问题导向，着力在乡村振兴中发挥党组织战斗堡垒作用，以更大力度抓好基层党建各项任务落实。"),
    ],
    "footnote": (0, "本报告已经镇党委会议审议。"),
    "textbox": "述职材料　报送县委组织部",
}

MINUTES = {
    "title": "镇党委会议纪要（第12次）",
    "date_line": "时间：2021年6月18日",
    "blocks": [
        ("h", "一、会议议题"),
        ("p", "会议传达学习了上级关于党史学习教育的部署要求，研究部署庆祝中国共产党成立100周年系列活动。"),
        ("table", [["出席", "列席", "缺席"],
                   ["镇党委委员7人", "镇纪委副书记1人", "无"]]),
        ("h", "二、会议议定事项"),
        ("list", ["成立庆祝活动领导小组，由镇党委书记任组长。",
                  "7月1日前组织全镇党员重温入党誓词，开展“我为群众办实事”实践活动。",
                  "各村党支部要结合实际，认真组织专题组织生活会。"]),
        ("h", "三、有关要求"),
        ("p", "各支部要高度重视，精心组织，确保各项活动取得实效，防止形式主义。"),
    ],
    "footnote": (6, "本纪要发至各村党支部、镇直各单位。"),
}

PRESS = {
    "title": "区政府新闻发布会：前三季度经济运行情况",
    "date_line": "时间：２０２０－１０－２０",
    "blocks": [
        ("h", "经济运行总体情况"),
        ("p", "１０月２０日上午，区政府召开新闻发布会，通报前三季度全区经济运行情况。全区实现地区生产总值（ＧＤＰ）４５６．７亿元，同比增长３．２％，增速比上半年提高１．５个百分点。"),
        ("p", "发布会上，区统计局负责人介绍，工业生产稳步回升，规模以上工业增加值增长２．８％；５Ｇ基站新建１２０座，数字经济核心产业增加值占比达到１０．３％。"),
        ("table", [["指标", "数值", "同比"],
                   ["地区生产总值（ＧＤＰ）", "４５６．７亿元", "增长３．２％"],
                   ["规模以上工业增加值", "—", "增长２．８％"],
                   ["５Ｇ基站新建", "１２０座", "—"]]),
        ("h", "记者问答"),
        ("p", "记者问答环节，区发展改革委负责人表示，下一步将抓好“六稳”“六保”工作，推进重大项目建设，确保完成全年目标任务。"),
        ("list", ["抓好“六稳”“六保”工作", "推进重大项目建设", "确保完成全年目标任务"]),
        ("p", "欢迎访问区政府网站 ＷＷＷ．ＥＸＡＭＰＬＥ．ＧＯＶ．ＣＮ 获取发布会全文。"),
    ],
}


def xiaoyingpan(corpus):
    """corpus/000_44c36bc19d531045.txt as a long printed report, with a table and a list."""
    lines = [l.strip() for l in open(os.path.join(corpus, "000_44c36bc19d531045.txt"),
                                      encoding="utf-8")]
    lines = [l for l in lines if l]
    title, date_line, rest = lines[0], lines[1], lines[2:]
    blocks = []
    for l in rest:
        short = len(l) <= 20 and "，" not in l and "。" not in l
        blocks.append(("h" if short else "p", l))
    # the table after the 民生 section's last paragraph, the list in the 维稳 section
    i = next(i for i, (k, v) in enumerate(blocks) if k == "h" and v.startswith("强化维稳责任"))
    blocks.insert(i, ("table", [["项目", "规模"],
                                ["安居富民房、廉租房、公租房", "3390套"],
                                ["新增节水滴灌", "10万亩"],
                                ["养鸡规模", "135万羽"],
                                ["农牧民人均纯收入（2015年末）", "1.46万元"]]))
    j = next(i for i, (k, v) in enumerate(blocks) if k == "p" and v.startswith("镇党委始终把维护社会稳定"))
    blocks.insert(j + 1, ("list", ["党建网格成片", "边境管控到线", "矛盾化解进户"]))
    return {"title": title, "date_line": date_line, "blocks": blocks,
            "header": "博乐市小营盘镇党委　党建工作材料", "page_numbers": True,
            "meta_title": title, "font_pt": 16, "font": docgen.TRUETYPE}


BENCH = {
    "jiangxinyuan": "xwlb-VIDE0acT7H9B7g2Tsx6chB5b161121",
    "guoqi": "xwlb-VIDEaySZeYD7tUqNGyPse50q161012",
    "liangshan": "xwlb-VIDE5iQMa5nejStFI65pkejl160807",
    "lankao": "xwlb-VIDEGIe6ooZ5opJ1QuEYqS1w170115",
    "zuofeng": "xwlb-VIDEuJuKN8GGrxU09I3oq5Uo170106",
    "luquan": "xwlb-VIDEmo6f923Vc8IV5DYO1xhf161009",
    "poverty": "xwlb-VIDEF6Vot20RjQSwzGXKjzYU161026",
}
# Titles of other bench items, as a site's "related" and "most read" links.
SIDEBAR = ["【最美基层干部】陈光保：永远都要为人民服务", "山东：多措并举 因人施策助脱贫",
           "宣讲深入基层 不拘形式重实效", "西部脱贫 精准举措扶真贫"]
HOT = ["让六中全会精神在基层落地生根", "走进基层回应关切 推动全会精神深入人心",
       "【新春走基层】金沙江上的溜索村"]


def bench_docs(bench):
    want = {v: k for k, v in BENCH.items()}
    found = {}
    for shard in sorted(glob.glob(os.path.join(bench, "docs-*.jsonl.gz"))):
        with gzip.open(shard, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d["id"] in want:
                    found[want[d["id"]]] = d
        if len(found) == len(want):
            break
    missing = set(BENCH) - set(found)
    if missing:
        sys.exit("bench items not found: %s" % ", ".join(sorted(missing)))
    return found


def news(d, date_line, **extra):
    paras = [p.strip() for p in d["text"].split("\n") if p.strip()]
    r = {"title": d["title"], "date_line": date_line, "blocks": [("p", p) for p in paras]}
    r.update(extra)
    return r


# --- helpers ----------------------------------------------------------------------------------

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)


ENCRYPT_UNO = r'''
import os, subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
def pv(n, v):
    p = PropertyValue(); p.Name = n; p.Value = v; return p
src, out, flt, password, profile = sys.argv[1:6]
proc = subprocess.Popen(["soffice", "-env:UserInstallation=file://" + profile, "--headless",
                         "--norestore", "--accept=pipe,name=zhsearchfixtures;urp;"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ctx = uno.getComponentContext()
resolver = ctx.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", ctx)
for _ in range(120):
    try:
        rctx = resolver.resolve("uno:pipe,name=zhsearchfixtures;urp;StarOffice.ComponentContext")
        break
    except Exception:
        time.sleep(0.5)
desktop = rctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", rctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (pv("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(out), (pv("FilterName", flt), pv("Password", password)))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
'''


def encrypted_copy(src, out, filter_name, password, profile, tmp):
    script = os.path.join(tmp, "encrypt_uno.py")
    write(script, ENCRYPT_UNO)
    subprocess.run(["/usr/bin/python3", script, os.path.abspath(src), os.path.abspath(out),
                    filter_name, password, os.path.abspath(profile)], check=True)


def doc_flags(path):
    """FIB flags of a Word 97 file: (fEncrypted, fObfuscated). Minimal compound-file reader."""
    b = open(path, "rb").read()
    ss = 1 << struct.unpack_from("<H", b, 30)[0]
    nfat, dirstart = struct.unpack_from("<I", b, 44)[0], struct.unpack_from("<I", b, 48)[0]
    fat = []
    for s in struct.unpack_from("<109I", b, 76)[:nfat]:
        fat += struct.unpack_from("<%dI" % (ss // 4), b, 512 + s * ss)

    def chain(s):
        out = b""
        while s < 0xFFFFFFFA:
            out += b[512 + s * ss:512 + (s + 1) * ss]
            s = fat[s]
        return out
    d = chain(dirstart)
    for i in range(0, len(d), 128):
        e = d[i:i + 128]
        n = struct.unpack_from("<H", e, 64)[0]
        if n and e[:n - 2].decode("utf-16-le") == "WordDocument":
            wd = chain(struct.unpack_from("<I", e, 116)[0])
            flags = struct.unpack_from("<H", wd, 10)[0]
            return bool(flags & 0x100), bool(flags & 0x8000)
    raise ValueError("no WordDocument stream in %s" % path)


def zip_bomb(path, inflated=1_050_000_000):
    """A .docx whose word/document.xml is valid XML inflating to `inflated` bytes: one <w:t>
    holding spaces. Streamed at level 9; the sizes in its headers are the true ones."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
            '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            '<w:t xml:space="preserve">炸弹').encode()
    tail = "</w:t></w:r></w:p></w:body></w:document>".encode()
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        with z.open("word/document.xml", "w") as f:
            f.write(head)
            left = inflated - len(head) - len(tail)
            while left > 0:
                n = min(left, len(chunk))
                f.write(chunk[:n])
                left -= n
            f.write(tail)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
    'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
    '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
    'word/document.xml"/></Relationships>')


def break_xref(src, out):
    """Rewrite every in-use offset of the PDF's xref table to a wrong one (same width, so the
    table itself still parses); startxref still points at the table."""
    b = open(src, "rb").read()
    pos = b.rindex(b"\nxref")
    table_end = b.index(b"trailer", pos)
    table = b[pos:table_end]

    def wrong(m):
        return b"%010d %s n" % ((int(m.group(1)) * 7 + 1234) % 10 ** 9, m.group(2))
    broken = re.sub(rb"(\d{10}) (\d{5}) n", wrong, table)
    if broken == table:
        raise ValueError("no xref entries in %s" % src)
    write(out, b[:pos] + broken + b[table_end:])


def jpeg_pdf(jpeg, out, width_pt=595.28, height_pt=841.89):
    """A one-page PDF showing a JPEG and nothing else: a scan without a text layer."""
    img = open(jpeg, "rb").read()
    w, h = jpeg_size(img)
    content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << "
        b"/Im0 4 0 R >> >> /Contents 5 0 R >>" % (width_pt, height_pt),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (w, h, len(img))
        + img + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Producer (zhsearch scripts/make_fixtures.py) >>",
    ]
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    pdf += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, xref))
    write(out, pdf)


def jpeg_size(img):
    i = 2
    while i < len(img):
        marker, length = img[i + 1], struct.unpack(">H", img[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", img[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise ValueError("no SOF marker")


def pdf_text(path):
    return subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                          text=True).stdout


def line_crossing(pdf_path, paragraphs, n=2):
    """Phrases of the original paragraphs that cross a line break in the PDF's text."""
    lines = [l.strip() for l in pdf_text(pdf_path).splitlines() if l.strip()]
    found = []
    for a, b in zip(lines, lines[1:]):
        a_c, b_c = a.replace(" ", ""), b.replace(" ", "")
        if len(a_c) < 6 or len(b_c) < 6:
            continue
        phrase = a_c[-5:] + b_c[:5]
        if any(phrase in p for p in paragraphs) and phrase not in found:
            found.append(phrase)
    step = max(1, len(found) // n)
    return found[::step][:n]


def paragraphs_of(r):
    out = []
    for kind, v in r["blocks"]:
        if kind in ("p", "h"):
            out.append(v)
        elif kind == "list":
            out += v
    return out


# --- the build --------------------------------------------------------------------------------

def build(args):
    out = os.path.abspath(args.out)
    bad = os.path.join(out, "bad")
    tmp = tempfile.mkdtemp(prefix="formats-fixtures-", dir="/tmp")
    profile = os.path.join(tmp, "lo-profile")
    src = os.path.join(tmp, "src")
    conv = os.path.join(tmp, "conv")
    os.makedirs(src)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(bad)
    v = docgen.versions()
    lo, pandoc = v["soffice"], v["pandoc"]
    corpus = os.path.join(ROOT, "corpus")
    bench = bench_docs(args.bench)
    entries = []   # expected.json and the README table

    def entry(path, what, made, source, expect):
        e = {"path": path, "what": what, "made": made, "source": source}
        e.update(expect)
        entries.append(e)

    def index(title, date=None, contains=(), once=(), absent=(), headings=None, note=None):
        e = {"expect": "index", "title": title, "date": date, "contains": list(contains)}
        if once:
            e["contains_once"] = list(once)
        if absent:
            e["absent"] = list(absent)
        if headings is not None:
            e["headings"] = headings
        if note:
            e["note"] = note
        return e

    def skip(reason, note=None):
        e = {"expect": "skip", "reason": reason}
        if note:
            e["note"] = note
        return e

    summary_print = dict(SUMMARY, header="红旗街道党工委", page_numbers=True, font_pt=16,
                         font=docgen.TRUETYPE,
                         meta_title="Microsoft Word - 新建 Microsoft Word 文档.docx")
    del summary_print["textbox"]
    xyp = xiaoyingpan(corpus)
    lankao = news(bench["lankao"], "时间：2017-01-15")
    zuofeng = news(bench["zuofeng"], "发布时间：2017年1月6日")
    luquan = news(bench["luquan"], "时间：2016-10-09")
    poverty = news(bench["poverty"], "时间：2016-10-26", page_numbers=True, font_pt=15,
                   font=docgen.TRUETYPE)
    fodts = {"work_summary": SUMMARY, "work_summary_print": summary_print, "debrief": DEBRIEF,
             "press_release": PRESS, "xiaoyingpan": xyp, "zuofeng": zuofeng, "luquan": luquan,
             "poverty": poverty}
    for name, r in fodts.items():
        write(os.path.join(src, name + ".fodt"), docgen.to_fodt(r))
    write(os.path.join(src, "empty.fodt"),
          docgen.to_fodt({"title": "", "blocks": []}).replace(
              '<text:p text:style-name="Title"></text:p>', '<text:p text:style-name="Standard"/>'))
    for name, r in (("minutes", MINUTES), ("lankao", lankao)):
        write(os.path.join(src, name + ".md"), docgen.to_markdown(r))
    s = lambda n: os.path.join(src, n)  # noqa: E731
    docgen.soffice([s("work_summary.fodt"), s("empty.fodt"), s("debrief.fodt")], "docx", conv, profile)
    docgen.soffice([s("work_summary.fodt"), s("press_release.fodt"), s("zuofeng.fodt")], "odt", conv, profile)
    docgen.soffice([s("debrief.fodt"), s("luquan.fodt")], "doc:MS Word 97", conv, profile)
    docgen.soffice([s("work_summary_print.fodt"), s("xiaoyingpan.fodt"), s("poverty.fodt")], "pdf",
                   conv, profile)
    for name in ("minutes", "lankao"):
        docgen.pandoc_docx(s(name + ".md"), os.path.join(conv, name + "_pandoc.docx"))
    c = lambda n: os.path.join(conv, n)  # noqa: E731

    def put(name, from_path, sub=""):
        dest = os.path.join(out, sub, name)
        shutil.copyfile(from_path, dest)
        return os.path.join(sub, name) if sub else name

    LO_FODT = ("LibreOffice %s: `soffice --headless --convert-to %s %s.fodt`, the .fodt written "
               "by scripts/docgen.py")
    corpus_src = "corpus/%s (this repository), table and list added"
    bench_src = ("../shared/bench item `%s` (新闻联播 text, copyrighted, used as test material "
                 "only), paragraphs as they are")

    # .docx
    p = put("lo_work_summary.docx", c("work_summary.docx"))
    entry(p, "LibreOffice docx: Title, date line, Heading 2, table, bulleted list, footnote, "
             "text box (mc:AlternateContent: wps:txbx with a v:textbox fallback)",
          LO_FODT % (lo, "docx", "work_summary"), corpus_src % "2018_党建工作总结.txt",
          index(SUMMARY["title"], "2018-03-05",
                contains=["辖区128名党员参加轮训", "每格配备1名党员网格员", "精简会议文件三分之一",
                          SUMMARY["footnote"][1]],
                once=[SUMMARY["textbox"]],
                headings=[v for k, v in SUMMARY["blocks"] if k == "h"]))
    p = put("pandoc_minutes.docx", c("minutes_pandoc.docx"))
    entry(p, "pandoc docx: Title and Date styles from the YAML block, Heading 2, table "
             "(Table style), bulleted list (Compact), footnote",
          "%s: `pandoc -f markdown -t docx -o minutes_pandoc.docx minutes.md`" % pandoc,
          corpus_src % "会议纪要_党委会.md",
          index(MINUTES["title"], "2021-06-18",
                contains=["研究部署庆祝中国共产党成立100周年", "镇纪委副书记1人",
                          "开展“我为群众办实事”实践活动", MINUTES["footnote"][1]],
                headings=[v for k, v in MINUTES["blocks"] if k == "h"]))
    p = put("pandoc_lankao.docx", c("lankao_pandoc.docx"))
    entry(p, "pandoc docx: a news item, Title + Date + paragraphs",
          "%s: `pandoc -f markdown -t docx -o lankao_pandoc.docx lankao.md`" % pandoc,
          bench_src % BENCH["lankao"],
          index(lankao["title"], "2017-01-15",
                contains=["一个半月就建起了49座蔬菜大棚", "从33个村支书中脱颖而出"]))

    # Word-made samples from Apache POI
    poi = []

    def from_poi(name, dest, sub=""):
        data = subprocess.run(["git", "--git-dir", args.poi, "show", "HEAD:" + POI_DIR + name],
                              check=True, capture_output=True).stdout
        path = os.path.join(out, sub, dest)
        write(path, data)
        poi.append(name)
        return os.path.join(sub, dest) if sub else dest
    poi_commit = subprocess.run(["git", "--git-dir", args.poi, "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
    poi_src = ("Apache POI test-data/document/%s at commit " + poi_commit[:12]
               + " (Apache-2.0, © The Apache Software Foundation)")
    p = from_poi("bug65738.docx", "word_bug65738.docx")
    entry(p, "Word-made docx (Application: Microsoft Office Word): Title, Subtitle, Heading 1-3, "
             "a table with a nested table, page header; docProps title differs from the Title",
          "Microsoft Word (taken as is)", poi_src % "bug65738.docx",
          index("Sample Word Document Title", None,
                contains=["This is a sample Microsoft Word Document", "More of our nested table",
                          "Heading Level 3"],
                note="the Title-style paragraph wins over docProps/core.xml dc:title "
                     "(\"Sample Word Document\")"))
    p = from_poi("table_footnotes.docx", "word_table_footnotes.docx")
    entry(p, "Word-made docx: a table, then a paragraph with a footnote", "Microsoft Word (taken as is)",
          poi_src % "table_footnotes.docx",
          index(None, None, contains=["Pole 1", "Pole 2", "slove1", "snoska"],
                note="title not checked: the first line is a table row"))
    p = from_poi("60316.docx", "word_textboxes_60316.docx")
    entry(p, "Word-made docx (résumé template): text boxes in mc:AlternateContent (wps:txbx "
             "choice and v:textbox fallback hold the same text), content controls, lists",
          "Microsoft Word (taken as is)", poi_src % "60316.docx",
          index(None, None, contains=["Getting the perfect job might be challenging",
                                      "References are available upon request"],
                once=["Allison, Timothy B."],
                note="title not checked; the text box text must appear once, not once per "
                     "alternative"))

    # .doc / .wps
    p = put("lo_debrief.doc", c("debrief.doc"))
    entry(p, "LibreOffice Word 97 .doc: Title, date line, Heading 2, bulleted list, table, "
             "footnote, text box",
          LO_FODT % (lo, "'doc:MS Word 97'", "debrief"), corpus_src % "述职报告_gb18030.txt",
          index(DEBRIEF["title"], "2019-01-15",
                contains=["签订基层党建目标责任书23份", "致富能手型村党组织书记",
                          "消除集体经济空壳村6个", DEBRIEF["footnote"][1], DEBRIEF["textbox"]]))
    p = put("lo_debrief.wps", c("debrief.doc"))
    entry(p, "the same bytes as lo_debrief.doc under a .wps name: WPS's legacy format is the "
             "same compound-file layout (not made by WPS)",
          "`cp lo_debrief.doc lo_debrief.wps`", corpus_src % "述职报告_gb18030.txt",
          index(DEBRIEF["title"], "2019-01-15", contains=["签订基层党建目标责任书23份"]))
    p = put("lo_luquan.doc", c("luquan.doc"))
    entry(p, "LibreOffice Word 97 .doc: a news item", LO_FODT % (lo, "'doc:MS Word 97'", "luquan"),
          bench_src % BENCH["luquan"],
          index(luquan["title"], "2016-10-09",
                contains=["建起了一座“皎平渡大桥”", "禄劝还成了国内最大的板栗交易地"]))
    p = from_poi("61490.doc", "word_61490.doc")
    entry(p, "Word-made .doc (Word 97-2003 from a Chinese Word: 等线 theme) with Chinese text, "
             "numbered headings and a 3×3 table",
          "Microsoft Word (taken as is)", poi_src % "61490.doc",
          index("居中的大标题", None, contains=["章节1的内容，一段话", "下面是表格3x3"]))

    # .odt
    p = put("lo_work_summary.odt", c("work_summary.odt"))
    entry(p, "LibreOffice odt: the same report as lo_work_summary.docx (text:h headings, table, "
             "list, footnote, text box)", LO_FODT % (lo, "odt", "work_summary"),
          corpus_src % "2018_党建工作总结.txt",
          index(SUMMARY["title"], "2018-03-05",
                contains=["辖区128名党员参加轮训", "每格配备1名党员网格员", SUMMARY["footnote"][1]],
                once=[SUMMARY["textbox"]],
                headings=[v for k, v in SUMMARY["blocks"] if k == "h"]))
    p = put("lo_press_release.odt", c("press_release.odt"))
    entry(p, "LibreOffice odt: full-width digits and letters (date ２０２０－１０－２０), table, list",
          LO_FODT % (lo, "odt", "press_release"), corpus_src % "新闻发布_全角.txt",
          index(PRESS["title"], "2020-10-20",
                contains=["４５６．７亿元", "数字经济核心产业增加值占比达到１０．３％", "推进重大项目建设"],
                headings=[v for k, v in PRESS["blocks"] if k == "h"]))
    p = put("lo_zuofeng.odt", c("zuofeng.odt"))
    entry(p, "LibreOffice odt: a news item", LO_FODT % (lo, "odt", "zuofeng"),
          bench_src % BENCH["zuofeng"],
          index(zuofeng["title"], "2017-01-06",
                contains=["伪造工程决算骗取国家资金677.99万元", "占处理人数的26.87%"]))

    # .pdf
    p = put("lo_xiaoyingpan.pdf", c("xiaoyingpan.pdf"))
    pages = subprocess.run(["pdfinfo", c("xiaoyingpan.pdf")], capture_output=True, text=True).stdout
    npages = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    cross = line_crossing(c("xiaoyingpan.pdf"), paragraphs_of(xyp))
    entry(p, "LibreOffice pdf, %d pages, 16 pt: Title metadata = the title, running header "
             "「%s」, footer 「第 N 页 共 M 页」, table, list" % (npages, xyp["header"]),
          LO_FODT % (lo, "pdf", "xiaoyingpan"), "corpus/000_44c36bc19d531045.txt (this "
          "repository), table and list added",
          index(xyp["title"], "2017-11-09",
                contains=["打造了宜业宜居的“北疆明星镇”", "日产鲜蛋60余吨"] + cross,
                absent=["党建工作材料", "第 1 页", "第1页"],
                note="phrases %s cross a line break in the PDF; the running header and the page "
                     "numbers are removed" % ", ".join(cross)))
    p = put("lo_work_summary_junk_title.pdf", c("work_summary_print.pdf"))
    cross = line_crossing(c("work_summary_print.pdf"), paragraphs_of(SUMMARY))
    entry(p, "LibreOffice pdf, 2 pages, 16 pt, Title metadata 「%s」 (what Word's PDF printer "
             "writes), running header 「红旗街道党工委」, page numbers, table, list, footnote"
          % summary_print["meta_title"],
          LO_FODT % (lo, "pdf", "work_summary_print"), corpus_src % "2018_党建工作总结.txt",
          index(SUMMARY["title"], "2018-03-05",
                contains=["辖区128名党员参加轮训", "推进党建引领基层治理创新"] + cross,
                absent=["Microsoft Word", "第 1 页", "第1页"],
                note="the Title metadata is not meaningful: the title comes from the first line "
                     "of page 1 under the running header; %s cross a line break" % ", ".join(cross)))
    p = put("lo_poverty_notitle.pdf", c("poverty.pdf"))
    cross = line_crossing(c("poverty.pdf"), paragraphs_of(poverty))
    entry(p, "LibreOffice pdf, 2 pages, 15 pt, no Title metadata, the title wraps onto two "
             "lines, page numbers in the footer",
          LO_FODT % (lo, "pdf", "poverty"), bench_src % BENCH["poverty"],
          index(poverty["title"], "2016-10-26",
                contains=["目前全国还有829个贫困县", "占了14.6%"] + cross,
                absent=["第 1 页", "第1页"],
                note="title from the first lines of page 1, joined; %s cross a line break"
                     % ", ".join(cross)))

    # .html
    for name, key, charset, enc, date_line, date in (
            ("site_utf8.html", "jiangxinyuan", "utf-8", "utf-8", "发布时间：2016-11-21 09:30",
             "2016-11-21"),
            ("site_gb2312.html", "guoqi", "gb2312", "gbk", "发布时间：2016年10月12日", "2016-10-12"),
            ("site_gbk_nocharset.htm", "liangshan", None, "gbk", "2016-08-07 08:15:32",
             "2016-08-07")):
        r = news(bench[key], date_line)
        page, boiler = docgen.to_html(r, SIDEBAR, HOT, charset=charset)
        data = page.encode(enc, errors="xmlcharrefreplace")
        write(os.path.join(out, name), data)
        paras = paragraphs_of(r)
        absent = [b for b in boiler if not any(b in t for t in paras + [r["title"]])]
        decl = {"utf-8": "UTF-8 with <meta charset=\"utf-8\">",
                "gb2312": "GBK bytes with <meta http-equiv=\"Content-Type\" content=\"text/html; "
                          "charset=gb2312\">",
                None: "GBK bytes, no charset declared anywhere (no BOM, no meta)"}[charset]
        entry(name, "web page saved from a party-building site: %s; nav menu, breadcrumbs, "
                    "sidebar links, share bar, footer with copyright and 京ICP备 lines, a "
                    "<script> and a <style>" % decl,
              "scripts/docgen.py to_html(), encoded %s" % enc, bench_src % BENCH[key],
              index(r["title"], date,
                    contains=[paras[1][:14], paras[-1][-12:]],
                    absent=absent,
                    note="title from <h1> (the <title> adds \"_基层党建_先锋党建网\"); the date "
                         "from the info line under it"))
    # bad files
    rnd = random.Random(11)
    write(os.path.join(bad, "corrupt.docx"), bytes(rnd.getrandbits(8) for _ in range(4096)))
    entry("bad/corrupt.docx", "4096 random bytes named .docx",
          "Python random.Random(11), 4096 bytes", "-", skip("corrupt: not a zip / not a docx"))
    good = open(c("work_summary.docx"), "rb").read()
    write(os.path.join(bad, "truncated.docx"), good[:len(good) // 2])
    entry("bad/truncated.docx", "the first half of lo_work_summary.docx (no central directory)",
          "`head -c %d lo_work_summary.docx`" % (len(good) // 2), "-",
          skip("corrupt or truncated zip"))
    p = from_poi("bug53475-password-is-pass.docx", "password_word.docx", "bad")
    entry(p, "password-protected docx (password: pass): an OLE compound file holding "
             "EncryptionInfo + EncryptedPackage, as Word writes it",
          "Microsoft Word (taken as is)", poi_src % "bug53475-password-is-pass.docx",
          skip("encrypted (password-protected)"))
    p = from_poi("password_tika_binaryrc4.doc", "password_word_rc4.doc", "bad")
    entry(p, "password-protected Word 97 .doc (RC4, fEncrypted set in the FIB)",
          "Microsoft Word (taken as is)", poi_src % "password_tika_binaryrc4.doc",
          skip("encrypted (password-protected)"))
    enc_doc = os.path.join(bad, "password_lo.doc")
    encrypted_copy(s("debrief.fodt"), enc_doc, "MS Word 97", "pass", profile, tmp)
    if doc_flags(enc_doc) != (True, False):
        sys.exit("LibreOffice did not encrypt %s" % enc_doc)
    entry("bad/password_lo.doc", "password-protected Word 97 .doc (password: pass; fEncrypted "
          "set in the FIB); the summary stream stays readable",
          "LibreOffice %s through UNO: storeToURL(FilterName=\"MS Word 97\", Password=\"pass\") "
          "of debrief.fodt (scripts/make_fixtures.py ENCRYPT_UNO)" % lo,
          corpus_src % "述职报告_gb18030.txt", skip("encrypted (password-protected)"))
    zip_bomb(os.path.join(bad, "zipbomb.docx"))
    entry("bad/zipbomb.docx", "zip bomb: word/document.xml inflates to 1,050,000,000 bytes (one "
          "<w:t> of spaces) from about 1 MB (deflate cannot do better than ~1:1030); the sizes in the zip headers are the true ones",
          "scripts/make_fixtures.py zip_bomb(): Python zipfile, deflate level 9, streamed", "-",
          skip("too large when inflated (zip bomb)",
               note="must be refused without inflating it all: cap the inflated size; "
                    "memory stays bounded"))
    break_xref(c("poverty.pdf"), os.path.join(bad, "broken_xref.pdf"))  # the smallest PDF
    entry("bad/broken_xref.pdf", "lo_poverty_notitle.pdf with every xref offset replaced by a "
          "wrong one (startxref still finds the table)",
          "scripts/make_fixtures.py break_xref()", bench_src % BENCH["poverty"],
          skip("corrupt PDF (broken xref)",
               note="acceptable instead: rebuild the xref by scanning for objects (as poppler "
                    "does) and index it as lo_poverty_notitle.pdf; never a panic or a hang"))
    pdf = open(c("poverty.pdf"), "rb").read()
    write(os.path.join(bad, "truncated.pdf"), pdf[:len(pdf) // 2])
    entry("bad/truncated.pdf", "the first half of lo_poverty_notitle.pdf (no xref, no trailer)",
          "`head -c %d lo_poverty_notitle.pdf`" % (len(pdf) // 2), bench_src % BENCH["poverty"],
          skip("corrupt or truncated PDF",
               note="acceptable instead: index the text of the pages that can be read; never "
                    "a panic or a hang"))
    shutil.copyfile(c("luquan.doc"), os.path.join(bad, "really_doc.docx"))
    entry("bad/really_doc.docx", "lo_luquan.doc renamed .docx (a Word 97 compound file)",
          "`cp lo_luquan.doc really_doc.docx`", bench_src % BENCH["luquan"],
          index(luquan["title"], "2016-10-09", contains=["禄劝还成了国内最大的板栗交易地"],
                note="sniff the content: read it as .doc; skipping it with a reason naming the "
                     "real format (\"Word 97 .doc, not .docx\") is acceptable, \"corrupt zip\" "
                     "is not"))
    shutil.copyfile(c("debrief.docx"), os.path.join(bad, "really_docx.doc"))
    entry("bad/really_docx.doc", "a LibreOffice .docx of the 述职报告 renamed .doc (a zip)",
          LO_FODT % (lo, "docx", "debrief") + ", then renamed", corpus_src % "述职报告_gb18030.txt",
          index(DEBRIEF["title"], "2019-01-15", contains=["签订基层党建目标责任书23份"],
                note="sniff the content: read it as .docx; skipping it with a reason naming the "
                     "real format is acceptable"))
    shutil.copyfile(c("empty.docx"), os.path.join(bad, "empty.docx"))
    entry("bad/empty.docx", "a valid LibreOffice docx with one empty paragraph",
          LO_FODT % (lo, "docx", "empty"), "-", skip("no text in the document"))
    write(os.path.join(bad, "empty.pdf"), b"")
    entry("bad/empty.pdf", "0 bytes named .pdf", "`: > empty.pdf`", "-", skip("empty"))
    write(os.path.join(bad, "nav_only.html"), nav_only_page().encode("utf-8"))
    entry("bad/nav_only.html", "a channel page of the same site: nav, breadcrumbs, a list of 12 "
          "linked titles with dates, pagination, footer; no article",
          "scripts/make_fixtures.py nav_only_page()", "titles of ../shared/bench items",
          skip("no article text", note="a page of links is not a report"))
    png = os.path.join(tmp, "scan")
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-gray", "-jpeg", "-jpegopt",
                    "quality=40", c("xiaoyingpan.pdf"), png], check=True)
    jpeg = glob.glob(png + "*.jpg")[0]
    jpeg_pdf(jpeg, os.path.join(bad, "scanned_no_text.pdf"))
    entry("bad/scanned_no_text.pdf", "page 1 of lo_xiaoyingpan.pdf as a 50 dpi grey JPEG in a "
          "PDF without any text (a scan)",
          "%s: `pdftoppm -f 1 -l 1 -r 50 -gray -jpeg -jpegopt quality=40 lo_xiaoyingpan.pdf "
          "scan`, then scripts/make_fixtures.py jpeg_pdf()" % v["pdftoppm"],
          "corpus/000_44c36bc19d531045.txt", skip("no text layer (scanned?)"))

    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=1)
        f.write("\n")
    write(os.path.join(out, "README.md"), readme(entries, v, poi_commit, poi))
    shutil.rmtree(tmp)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    print("%d fixtures, %.0f KB in %s" % (len(entries), total / 1024, out))


def nav_only_page():
    site = docgen.SITE
    titles = SIDEBAR + HOT + ["抓党建强党建 风好扬帆正当时", "武汉江欣苑社区 党建引领发展惠民",
                              "兰考仪封乡：换出基层一线活力", "多措并举 大小凉山脱贫攻坚提速快跑",
                              "抓作风建设不放松 推动问责向基层延伸"]
    dates = ["2016-07-23", "2016-10-16", "2016-12-06", "2016-12-17", "2016-11-16", "2016-11-11",
             "2017-01-15", "2016-10-12", "2016-11-21", "2017-01-15", "2016-08-07", "2017-01-06"]
    h = html
    items = "".join('<li><a href="/2/%d.html">%s</a><span>%s</span></li>' % (i, h.escape(t), d)
                    for i, (t, d) in enumerate(zip(titles, dates)))
    return "\n".join([
        "<!DOCTYPE html>", "<html>", "<head>", '<meta charset="utf-8">',
        "<title>基层党建_%s</title>" % site["name"],
        "<style>\n%s\n</style>" % site["style"], "<script>\n%s\n</script>" % site["script"],
        "</head>", "<body>",
        '<div class="nav"><ul>%s</ul></div>' % "".join(
            '<li><a href="/%d/">%s</a></li>' % (i, n) for i, n in enumerate(site["nav"])),
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; 基层党建</div>',
        '<div class="list"><ul>%s</ul></div>' % items,
        '<div class="page"><a href="#">首页</a> <a href="#">上一页</a> 1 <a href="#">2</a> '
        '<a href="#">3</a> <a href="#">下一页</a> <a href="#">尾页</a> 共3页</div>',
        '<div class="footer">%s</div>' % "".join("<p>%s</p>" % f for f in site["footer"]),
        "</body>", "</html>", ""])


def readme(entries, v, poi_commit, poi):
    lines = [
        "# Format fixtures",
        "",
        "Small documents in the formats zhsearch reads, made by the real producers, and bad "
        "files beside them (`bad/`). The table below is the specification the reader tests "
        "follow; `expected.json` holds the same in machine-readable form (keys: `path`, "
        "`expect` = `index` or `skip`; for `index`: `title` (null: not checked), `date` "
        "(`YYYY-MM-DD` or null: none), `contains` (strings the extracted text holds), "
        "`contains_once`, `absent` (strings it must not hold), `headings`; for `skip`: "
        "`reason`, the gist of the skip message). `contains` strings are exact: the extracted "
        "text holds each one as it is written (no space or line break inserted), so a quoted "
        "phrase search for it finds the file. Everything outside `bad/` is indexed; everything "
        "in `bad/` is skipped with a reason, except the two files with a misleading extension, "
        "which are read by their content.",
        "",
        "Rebuild everything with `python3 scripts/make_fixtures.py --poi POI_GIT_DIR` (see its "
        "header for the setup). Producers used for these files:",
        "",
        "- LibreOffice: `%s` (Debian package libreoffice-writer-nogui). Fonts: Noto Serif CJK SC "
        "and Noto Sans CJK SC (fonts-noto-cjk) in the .docx/.doc/.odt files; the PDFs use "
        "WenQuanYi Micro Hei (fonts-wqy-microhei), a TrueType font that LibreOffice embeds as "
        "TrueType subsets, half the size of the Type 1 subsets it makes from Noto's CFF "
        "outlines (the generated set, scripts/make_formats.py, has both)." % v["soffice"],
        "- pandoc: `%s`" % v["pandoc"],
        "- poppler: `%s`" % v["pdftoppm"],
        "- Word-made files: Apache POI's test data (github.com/apache/poi, commit `%s`, "
        "`test-data/document/`: %s), Apache License 2.0, © The Apache Software Foundation; "
        "copied unchanged under a new name." % (poi_commit, ", ".join("`%s`" % p for p in poi)),
        "",
        "The LibreOffice sources are flat ODF (.fodt) written by `scripts/docgen.py` "
        "(`to_fodt`): the title in the Title style, the date line under it, Heading 2 section "
        "headings, Text body paragraphs, a table with a header row, a bulleted list, and where "
        "listed a footnote, a text box anchored to the first paragraph, a running header and "
        "page numbers (`第 N 页 共 M 页`). Converted with "
        "`soffice -env:UserInstallation=file:///tmp/… --headless --convert-to FORMAT --outdir OUT "
        "FILES…`. The pandoc sources are Markdown from `docgen.to_markdown` (title and date in "
        "the YAML block, `##` headings, a pipe table, a `-` list, a `[^1]` footnote). The web "
        "pages come from `docgen.to_html`.",
        "",
        "Text sources: `corpus/` is this repository's own sample set (tables and lists were "
        "added to make the documents look like the reports they stand for). The news items "
        "come from `../shared/bench` (CCTV 新闻联播 text via github.com/china-data/xwlb; CCTV "
        "keeps all rights): a handful used as test material only, not for redistribution "
        "beyond this project's tests.",
        "",
        "No document made by WPS Office under a free licence was found: `lo_debrief.wps` is a "
        "LibreOffice .doc under a .wps name (WPS's legacy .wps is the same compound-file "
        "layout). LibreOffice 7.4 ignores a password when it writes .docx, so the encrypted "
        "docx is POI's Word-made one.",
        "",
        "## Files and what a reader must do with them",
        "",
        "| file | what it is | expected |",
        "|---|---|---|",
    ]
    for e in entries:
        if e["expect"] == "index":
            parts = ["**index**"]
            parts.append("title 「%s」" % e["title"] if e["title"] else "title not checked")
            parts.append("date %s" % e["date"] if e["date"] else "no date")
            if e.get("headings"):
                parts.append("headings: %s" % " / ".join(e["headings"]))
            parts.append("contains: %s" % "; ".join("「%s」" % s for s in e["contains"]))
            if e.get("contains_once"):
                parts.append("exactly once: %s" % "; ".join("「%s」" % s for s in e["contains_once"]))
            if e.get("absent"):
                parts.append("never: %s" % "; ".join("「%s」" % s for s in e["absent"]))
        else:
            parts = ["**skip**: %s" % e["reason"]]
        if e.get("note"):
            parts.append("(%s)" % e["note"])
        lines.append("| `%s` | %s | %s |" % (e["path"], md_cell(e["what"]), md_cell(", ".join(parts))))
    lines += ["", "## How each file was made", "",
              "| file | producer and command | text source, licence |", "|---|---|---|"]
    for e in entries:
        lines.append("| `%s` | %s | %s |" % (e["path"], md_cell(e["made"]), md_cell(e["source"])))
    lines.append("")
    return "\n".join(lines)


def md_cell(s):
    return s.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "formats"))
    ap.add_argument("--poi", required=True, help="git dir of github.com/apache/poi")
    ap.add_argument("--bench", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "bench")))
    build(ap.parse_args())


if __name__ == "__main__":
    main()
