"""Render one report into the sources real office producers convert: flat ODF (.fodt) for
LibreOffice, Markdown for pandoc, and a whole web page "saved from a party-building site".

Used by scripts/make_fixtures.py (tests/fixtures/formats/) and scripts/make_formats.py (the
generated measuring set). Standard library only.

A report is a dict:

    title       str                      the title (Title style / <h1>)
    date_line   str or None              the line under the title, e.g. "时间：2018年3月5日"
    blocks      [(kind, value), ...]     ("p", text), ("h", heading text) — a Heading 2,
                                         ("list", [item, ...]) — bulleted,
                                         ("table", [[cell, ...], ...]) — first row is the header
    footnote    (block index, text)      optional: a footnote at the end of that paragraph
    textbox     str                      optional: a text box anchored to the first paragraph
    header      str                      optional: running page header
    page_numbers bool                    optional: footer "第 N 页 共 M 页"
    meta_title  str                      optional: the document's Title property
    font_pt     number                   optional: body font size (default 12)
    font        str                      optional: one font family for all text (default:
                                         Noto Serif CJK SC, headings in Noto Sans CJK SC)
"""
import html
import json
import os
import shutil
import subprocess
import tempfile
from xml.sax.saxutils import escape as xml_escape

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
# A TrueType CJK font (fonts-wqy-microhei): LibreOffice embeds it in PDFs as TrueType subsets,
# about half the size of the Type 1 subsets it makes from the OpenType/CFF Noto fonts.
TRUETYPE = "WenQuanYi Micro Hei"

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def x(s):
    return xml_escape(s, {'"': "&quot;"})


def to_fodt(r):
    """The report as a flat ODF text document."""
    pt = r.get("font_pt", 12)
    serif = sans = None
    if r.get("font"):
        serif = sans = r["font"]
    fonts = "".join('<style:font-face style:name="%s" svg:font-family="&apos;%s&apos;"/>' % (f, f)
                    for f in dict.fromkeys([serif or SERIF, sans or SANS]))
    meta = ""
    if r.get("meta_title"):
        meta = "<dc:title>%s</dc:title>" % x(r["meta_title"])
    body = []
    body.append('<text:p text:style-name="Title">%s</text:p>' % x(r["title"]))
    if r.get("date_line"):
        body.append('<text:p text:style-name="PDate">%s</text:p>' % x(r["date_line"]))
    note = r.get("footnote")
    first_p = next((i for i, (k, _) in enumerate(r["blocks"]) if k == "p"), None)
    for i, (kind, value) in enumerate(r["blocks"]):
        if kind == "h":
            body.append('<text:h text:style-name="Heading_20_2" text:outline-level="2">%s</text:h>'
                        % x(value))
        elif kind == "p":
            inner = x(value)
            if r.get("textbox") and i == first_p:
                inner = (
                    '<draw:frame draw:style-name="fr1" draw:name="文本框1" '
                    'text:anchor-type="paragraph" svg:width="5.5cm" svg:height="2.2cm" '
                    'svg:x="10.5cm" svg:y="0cm" draw:z-index="0"><draw:text-box>'
                    '<text:p text:style-name="Frame_20_contents">%s</text:p>'
                    '</draw:text-box></draw:frame>' % x(r["textbox"])) + inner
            if note and note[0] == i:
                inner += (
                    '<text:note text:id="ftn1" text:note-class="footnote">'
                    '<text:note-citation>1</text:note-citation><text:note-body>'
                    '<text:p text:style-name="Footnote">%s</text:p>'
                    '</text:note-body></text:note>' % x(note[1]))
            body.append('<text:p text:style-name="Text_20_body">%s</text:p>' % inner)
        elif kind == "list":
            items = "".join('<text:list-item><text:p text:style-name="PList">%s</text:p>'
                            '</text:list-item>' % x(it) for it in value)
            body.append('<text:list text:style-name="L1">%s</text:list>' % items)
        elif kind == "table":
            ncol = max(len(row) for row in value)
            rows = []
            for ri, row in enumerate(value):
                cells = "".join(
                    '<table:table-cell table:style-name="Tcell" office:value-type="string">'
                    '<text:p text:style-name="%s">%s</text:p></table:table-cell>'
                    % ("Table_20_Heading" if ri == 0 else "Table_20_Contents", x(c))
                    for c in row + [""] * (ncol - len(row)))
                if ri == 0:
                    rows.append("<table:table-header-rows><table:table-row>%s</table:table-row>"
                                "</table:table-header-rows>" % cells)
                else:
                    rows.append("<table:table-row>%s</table:table-row>" % cells)
            body.append('<table:table table:name="表格1" table:style-name="T1">'
                        '<table:table-column table:number-columns-repeated="%d"/>%s'
                        '</table:table>' % (ncol, "".join(rows)))
        else:
            raise ValueError("unknown block kind %r" % kind)

    header = footer = ""
    if r.get("header"):
        header = ('<style:header><text:p text:style-name="Header">%s</text:p></style:header>'
                  % x(r["header"]))
    if r.get("page_numbers"):
        footer = ('<style:footer><text:p text:style-name="Footer">第 <text:page-number '
                  'text:select-page="current">1</text:page-number> 页 共 <text:page-count>1'
                  '</text:page-count> 页</text:p></style:footer>')
    hf_props = ""
    if header:
        hf_props += ('<style:header-style><style:header-footer-properties fo:min-height="0.6cm" '
                     'fo:margin-bottom="0.4cm" fo:border-bottom="0.5pt solid #000000" '
                     'fo:padding-bottom="0.1cm"/></style:header-style>')
    if footer:
        hf_props += ('<style:footer-style><style:header-footer-properties fo:min-height="0.6cm" '
                     'fo:margin-top="0.4cm"/></style:footer-style>')

    return """<?xml version="1.0" encoding="UTF-8"?>
<office:document %(ns)s office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:meta>%(meta)s<meta:generator>zhsearch scripts/docgen.py</meta:generator></office:meta>
<office:font-face-decls>%(fonts)s</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties style:line-break="strict" style:writing-mode="lr-tb"/>
  <style:text-properties style:font-name="%(serif)s" fo:font-size="%(pt)spt" fo:language="zh" fo:country="CN"
     style:font-name-asian="%(serif)s" style:font-size-asian="%(pt)spt" style:language-asian="zh" style:country-asian="CN"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.2cm" fo:line-height="140%%" fo:text-align="justify" fo:text-indent="%(indent)spt"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text">
  <style:paragraph-properties fo:margin-top="0.42cm" fo:margin-bottom="0.21cm" fo:keep-with-next="always"/>
  <style:text-properties style:font-name="%(sans)s" style:font-name-asian="%(sans)s"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading" style:class="chapter">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="%(tpt)spt" fo:font-weight="bold" style:font-size-asian="%(tpt)spt" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="2" style:class="text">
  <style:text-properties fo:font-size="%(hpt)spt" fo:font-weight="bold" style:font-size-asian="%(hpt)spt" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"/>
 <style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="10pt" style:font-size-asian="10pt"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:font-size="10pt" style:font-size-asian="10pt"/>
 </style:style>
 <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/>
 </style:style>
 <style:style style:name="Frame_20_contents" style:display-name="Frame contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:text-properties fo:font-size="10pt" style:font-size-asian="10pt"/>
 </style:style>
 <text:list-style style:name="L1">
  <text:list-level-style-bullet text:level="1" text:bullet-char="•">
   <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
    <style:list-level-label-alignment text:label-followed-by="listtab" fo:text-indent="-0.635cm" fo:margin-left="1.27cm"/>
   </style:list-level-properties>
  </text:list-level-style-bullet>
 </text:list-style>
</office:styles>
<office:automatic-styles>
 <style:style style:name="PDate" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/>
 </style:style>
 <style:style style:name="PList" style:family="paragraph" style:parent-style-name="Standard" style:list-style-name="L1"/>
 <style:style style:name="T1" style:family="table">
  <style:table-properties style:width="16cm" table:align="margins" fo:margin-top="0.2cm" fo:margin-bottom="0.3cm"/>
 </style:style>
 <style:style style:name="Tcell" style:family="table-cell">
  <style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/>
 </style:style>
 <style:style style:name="fr1" style:family="graphic">
  <style:graphic-properties style:wrap="parallel" style:vertical-pos="top" style:vertical-rel="paragraph"
     style:horizontal-pos="right" style:horizontal-rel="paragraph" fo:border="0.5pt solid #000000" fo:padding="0.15cm"/>
 </style:style>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait"
     fo:margin-top="2.5cm" fo:margin-bottom="2.5cm" fo:margin-left="2.6cm" fo:margin-right="2.6cm"/>
  %(hf_props)s
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="pm1">%(header)s%(footer)s</style:master-page>
</office:master-styles>
<office:body><office:text>
%(body)s
</office:text></office:body>
</office:document>
""" % {"ns": NS, "meta": meta, "fonts": fonts, "serif": serif or SERIF, "sans": sans or SANS, "pt": pt, "tpt": round(pt * 1.375),
       "hpt": round(pt * 1.25), "indent": 2 * pt, "hf_props": hf_props, "header": header,
       "footer": footer, "body": "\n".join(body)}


def md_escape(s):
    """Backslash-escape every ASCII punctuation character (pandoc allows it for all of them)."""
    return "".join("\\" + c if (c.isascii() and not c.isalnum() and not c.isspace()) else c
                   for c in s)


def to_markdown(r):
    """The report as pandoc Markdown: title and date in the YAML block, ## headings, pipe
    tables, `-` lists and a footnote."""
    out = ["---", "title: " + json.dumps(r["title"], ensure_ascii=False)]
    if r.get("date_line"):
        out.append("date: " + json.dumps(r["date_line"], ensure_ascii=False))
    out += ["---", ""]
    note = r.get("footnote")
    for i, (kind, value) in enumerate(r["blocks"]):
        if kind == "h":
            out += ["## " + md_escape(value), ""]
        elif kind == "p":
            line = md_escape(value)
            if note and note[0] == i:
                line += "[^1]"
            out += [line, ""]
        elif kind == "list":
            out += ["- " + md_escape(it) for it in value] + [""]
        elif kind == "table":
            ncol = max(len(row) for row in value)
            rows = [row + [""] * (ncol - len(row)) for row in value]
            out.append("| " + " | ".join(md_escape(c) for c in rows[0]) + " |")
            out.append("|" + "---|" * ncol)
            out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows[1:]]
            out.append("")
    if note:
        out += ["[^1]: " + md_escape(note[1]), ""]
    return "\n".join(out)


# --- web pages --------------------------------------------------------------------------------

SITE = {
    "name": "先锋党建网",
    "nav": ["首页", "党建要闻", "理论学习", "基层党建", "党风廉政", "组工动态", "专题专栏", "党员教育"],
    "channel": "基层党建",
    "tools": "【字体：大 中 小】【打印本页】【关闭窗口】",
    "share": "分享到：微信 微博 QQ空间",
    "footer": [
        "版权所有：中共先锋市委组织部　主办：先锋市党员教育中心",
        "地址：先锋市人民路88号　邮编：100000　联系电话：010-12345678",
        "京ICP备05012345号-1",
        "京公网安备11010502030405号",
        "建议使用1280×800以上分辨率浏览本站",
    ],
    "script": ('var _hmt = _hmt || [];\n(function() {\n  var hm = document.createElement("script");\n'
               '  hm.src = "https://hm.baidu.com/hm.js?5f3c9a8e7b6d4c2a1e0f9d8c7b6a5e4d";\n'
               '  var s = document.getElementsByTagName("script")[0];\n'
               '  s.parentNode.insertBefore(hm, s);\n})();\n'
               'function setFontSize(n){document.getElementById("zoom").style.fontSize=n+"px";}'),
    "style": ('body{margin:0;font-family:"Microsoft YaHei","微软雅黑",SimSun;background:#f5f5f5}\n'
              '.nav li{float:left;padding:0 18px;list-style:none}\n'
              '.article h1{color:#b00;font-size:24px;text-align:center}\n'
              '.footer{clear:both;text-align:center;color:#666;font-size:12px}'),
}


def boilerplate_strings(site, sidebar):
    """The strings a page adds around its article; none may reach the index."""
    return (site["nav"] + ["当前位置", site["tools"], site["share"]] + site["footer"]
            + list(sidebar) + ["相关阅读", "热点排行", "hm.baidu.com", "setFontSize", "font-family"])


def to_html(r, sidebar=(), hot=(), site=SITE, charset=None, source="新闻联播"):
    """A whole page around the article. `charset`: the name declared in the page
    (None: no declaration at all); the caller encodes it. Returns (page, boilerplate strings)."""
    head = ['<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
            '<html xmlns="http://www.w3.org/1999/xhtml">', "<head>"]
    if charset == "utf-8":
        head.append('<meta charset="utf-8" />')
    elif charset:
        head.append('<meta http-equiv="Content-Type" content="text/html; charset=%s" />' % charset)
    head += ['<meta name="keywords" content="%s,%s" />' % (site["name"], site["channel"]),
             "<title>%s_%s_%s</title>" % (html.escape(r["title"]), site["channel"], site["name"]),
             '<style type="text/css">\n%s\n</style>' % site["style"],
             '<script type="text/javascript">\n%s\n</script>' % site["script"],
             "</head>", "<body>"]
    e = html.escape
    page = head + [
        '<div class="top"><div class="logo"><a href="/">%s</a></div></div>' % e(site["name"]),
        '<div class="nav"><ul>%s</ul></div>'
        % "".join('<li><a href="/%d/">%s</a></li>' % (i, e(n)) for i, n in enumerate(site["nav"])),
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/2/">%s</a> &gt; 正文</div>'
        % e(site["channel"]),
        '<div class="main"><div class="article">',
        "<h1>%s</h1>" % e(r["title"]),
    ]
    if r.get("date_line"):
        page.append('<div class="info">%s　来源：%s</div>' % (e(r["date_line"]), e(source)))
    page.append('<div class="tools">%s</div>' % e(site["tools"]))
    page.append('<div id="zoom" class="content">')
    for kind, value in r["blocks"]:
        if kind == "p":
            page.append("<p>%s</p>" % e(value))
        elif kind == "h":
            page.append("<p><strong>%s</strong></p>" % e(value))
        elif kind == "list":
            page.append("<ul>%s</ul>" % "".join("<li>%s</li>" % e(it) for it in value))
        elif kind == "table":
            page.append('<table border="1">%s</table>' % "".join(
                "<tr>%s</tr>" % "".join("<td>%s</td>" % e(c) for c in row) for row in value))
    page += [
        "</div>",
        '<div class="share">%s</div>' % e(site["share"]),
        "</div>",
        '<div class="side"><h3>相关阅读</h3><ul>%s</ul><h3>热点排行</h3><ol>%s</ol></div>'
        % ("".join('<li><a href="/2/%d.html">%s</a></li>' % (i, e(t)) for i, t in enumerate(sidebar)),
           "".join('<li><a href="/1/%d.html">%s</a></li>' % (i, e(t)) for i, t in enumerate(hot))),
        "</div>",
        '<div class="footer">%s</div>' % "".join("<p>%s</p>" % e(f) for f in site["footer"]),
        "</body>", "</html>", "",
    ]
    return "\n".join(page), boilerplate_strings(site, list(sidebar) + list(hot))


# --- producers --------------------------------------------------------------------------------

# A fresh LibreOffice profile with one setting: no thumbnail image inside .odt files (it
# would be most of a small file's bytes).
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="GenerateThumbnail" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


def soffice(files, fmt, outdir, profile):
    """Convert files with LibreOffice in one call (one process: batches are much faster than
    a call per file). `fmt` is what --convert-to takes (e.g. "docx", "doc:MS Word 97")."""
    os.makedirs(outdir, exist_ok=True)
    settings = os.path.join(profile, "user", "registrymodifications.xcu")
    if not os.path.exists(settings):
        os.makedirs(os.path.dirname(settings), exist_ok=True)
        with open(settings, "w", encoding="utf-8") as f:
            f.write(PROFILE_SETTINGS)
    cmd = ["soffice", "-env:UserInstallation=file://" + os.path.abspath(profile), "--headless",
           "--norestore", "--convert-to", fmt, "--outdir", outdir] + list(files)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pandoc_docx(md_path, out_path):
    subprocess.run(["pandoc", "-f", "markdown", "-t", "docx", "-o", out_path, md_path], check=True)


def versions():
    """The producers' versions, for READMEs."""
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "not installed"
    return {"soffice": first_line(["soffice", "--version"]),
            "pandoc": first_line(["pandoc", "--version"]),
            "pdftoppm": (subprocess.run(["pdftoppm", "-v"], capture_output=True, text=True)
                         .stderr.strip().splitlines() or ["?"])[0]}
