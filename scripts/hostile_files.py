#!/usr/bin/env python3
"""Hostile files for zhsearch's readers: small files that cost a naive reader a crash, gigabytes
or unbounded time. Standard library only.

Each attack is a function returning the file's bytes; ATTACKS maps its stable name to
(extension, function, description). Names are kept stable: the reliability battery
(scripts/reliability.py) refers to them.

    pdf_form_self        a Form XObject that draws itself (/Fx Do inside /Fx): unbounded recursion
    pdf_form_cycle       two forms drawing each other (/Fa -> /Fb -> /Fa)
    pdf_forms_deep       forms nested 200 deep (no cycle)
    pdf_forms_fanout     eight levels of forms, each drawing the next 20 times (20^8 drawings)
    pdf_double_flate     /Filter [/FlateDecode /FlateDecode]: a few KB inflating to 8 GiB
    pdf_form_bomb        a Flate-compressed Form XObject inflating to 1 GiB
    pdf_td_flood         100 MB of `0 0 Td` operators in one page (about 150 KB compressed)
    pdf_ascii85_flate    /Filter [/ASCII85Decode /FlateDecode] inflating to 300 MiB
    pdf_objstm_bomb      an object stream inflating to 500 MiB while the file loads
    pdf_parent_loop      a page without resources whose /Parent is itself
    pdf_xref_bomb        a cross-reference stream inflating to 1 GiB while the file loads
    docx_long_run        a .docx with one text run of 20 million characters (~65 KB)
    docx_three_runs      a .docx with three such runs
    docx_empty_body      a valid .docx whose document.xml holds no text
    odt_long_run         an .odt with one paragraph of 20 million characters
    html_many_attributes an element with 100,000 attributes
    html_deep            elements nested 100,000 deep
    html_many_elements   two million empty elements

Usage: python3 scripts/hostile_files.py OUT_DIR [NAME...]   (writes OUT_DIR/NAME.EXT)
"""

import base64
import io
import os
import sys
import zipfile
import zlib

MIB = 1 << 20


# --- building blocks -------------------------------------------------------------------------

def zeros_zlib(mib):
    """A zlib stream of `mib` MiB of zero bytes, built from one flushed block repeated (so that
    even gigabytes take a moment to make)."""
    c = zlib.compressobj(9)
    block = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    # Every repetition after the first refers back into the same zeros: identical bytes.
    again = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    body = block + again * (mib - 1)
    # Adler-32 of n zero bytes: a = 1, b = n mod 65521.
    n = mib * MIB
    adler = ((n % 65521) << 16) | 1
    return b"\x78\xda" + body[2:] + tail[:-4] + adler.to_bytes(4, "big")


def pdf(objects, root=1, extra_trailer=b""):
    """A PDF of numbered objects (1-based, each the bytes between `obj` and `endobj`) with a
    correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, extra_trailer, xref))
    return out.getvalue()


def stream(dict_entries, data):
    return b"<< %s /Length %d >>\nstream\n" % (dict_entries, len(data)) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def one_page(content_obj=4, resources=b"<< /Font << /F1 3 0 R >> >>", parent=b"2 0 R"):
    """Catalog (1), page tree (2), font (3), page (5) drawing content object `content_obj`."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        FONT,
        None,  # 4: the page's content, filled in by the caller
        b"<< /Type /Page /Parent %s /MediaBox [0 0 595 842] /Resources %s /Contents %d 0 R >>"
        % (parent, resources, content_obj),
    ]


TEXT = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n"


# --- PDF attacks -----------------------------------------------------------------------------

def pdf_form_self():
    objs = one_page(resources=b"<< /Font << /F1 3 0 R >> /XObject << /Fx 6 0 R >> >>")
    objs[3] = stream(b"", TEXT + b"/Fx Do\n")
    objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]", b"/Fx Do\n"))
    return pdf(objs)


def pdf_form_cycle():
    objs = one_page(resources=b"<< /Font << /F1 3 0 R >> /XObject << /Fa 6 0 R >> >>")
    objs[3] = stream(b"", TEXT + b"/Fa Do\n")
    objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] "
                       b"/Resources << /XObject << /Fb 7 0 R >> >>", b"/Fb Do\n"))
    objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] "
                       b"/Resources << /XObject << /Fa 6 0 R >> >>", b"/Fa Do\n"))
    return pdf(objs)


def _form_chain(depth, draws):
    """A page drawing form 6, which draws form 7 `draws` times, … `depth` forms deep."""
    objs = one_page(resources=b"<< /Font << /F1 3 0 R >> /XObject << /F 6 0 R >> >>")
    objs[3] = stream(b"", TEXT + b"/F Do\n")
    for level in range(depth):
        n = 6 + level
        if level + 1 < depth:
            res = b"/Resources << /XObject << /F %d 0 R >> >>" % (n + 1)
            body = b"/F Do\n" * draws
        else:
            res, body = b"/Resources << >>", b"0 0 m\n"
        objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] " + res, body))
    return pdf(objs)


def pdf_forms_deep():
    return _form_chain(200, 1)


def pdf_forms_fanout():
    return _form_chain(8, 20)


def pdf_double_flate():
    inner = zeros_zlib(8 * 1024)
    data = zlib.compress(inner, 9)
    objs = one_page()
    objs[3] = stream(b"/Filter [/FlateDecode /FlateDecode]", data)
    return pdf(objs)


def pdf_form_bomb():
    objs = one_page(resources=b"<< /Font << /F1 3 0 R >> /XObject << /Fx 6 0 R >> >>")
    objs[3] = stream(b"", TEXT + b"/Fx Do\n")
    objs.append(stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Filter /FlateDecode",
                       zeros_zlib(1024)))
    return pdf(objs)


def pdf_td_flood():
    data = zlib.compress(TEXT + b"0 0 Td\n" * (100 * 1000 * 1000 // 7), 9)
    objs = one_page()
    objs[3] = stream(b"/Filter /FlateDecode", data)
    return pdf(objs)


def pdf_ascii85_flate():
    data = base64.a85encode(zeros_zlib(300), wrapcol=76) + b"~>"
    objs = one_page()
    objs[3] = stream(b"/Filter [/ASCII85Decode /FlateDecode]", data)
    return pdf(objs)


def pdf_objstm_bomb():
    objs = one_page()
    objs[3] = stream(b"", TEXT)
    header = b"7 0 "
    c = zlib.compressobj(9)
    head = c.compress(header + b"<< /Zh 1 >> ") + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
    data = head + body + again * 499 + c.flush(zlib.Z_FINISH)
    objs.append(stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), data))
    return pdf(objs)


def pdf_parent_loop():
    objs = one_page(resources=b"<< >>", parent=b"5 0 R")
    # The page has no resources of its own: drop the entry so they are looked up the chain.
    objs[4] = objs[4].replace(b"/Resources << >> ", b"")
    objs[3] = stream(b"", TEXT)
    return pdf(objs)


def pdf_xref_bomb():
    objs = one_page()
    objs[3] = stream(b"", TEXT)
    body = pdf(objs)
    # The cross-reference table replaced by a stream of zeros.
    out = body[:body.index(b"xref\n")]
    at = len(out)
    out += b"6 0 obj\n" + stream(b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode",
                                  zeros_zlib(1024)) + b"\nendobj\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % at


# --- office attacks --------------------------------------------------------------------------

CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
                 b'.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                 b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                 b'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org'
        b'/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def docx(body):
    doc = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats'
           b'.org/wordprocessingml/2006/main"><w:body>' + body + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", doc)
    return out.getvalue()


def _run(chars):
    return b"<w:p><w:r><w:t>" + "党".encode() * chars + b"</w:t></w:r></w:p>"


def docx_long_run():
    return docx(_run(20_000_000))


def docx_three_runs():
    return docx(_run(20_000_000) * 3)


def docx_empty_body():
    return docx(b"<w:p/><w:sectPr/>")


def odt_long_run():
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:'
               b'names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:'
               b'xmlns:text:1.0"><office:body><office:text><text:p>' + "党".encode() * 20_000_000
               + b"</text:p></office:text></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    return out.getvalue()


# --- HTML attacks ----------------------------------------------------------------------------

ARTICLE = "<p>" + "这是一篇正常的报告正文，用来确认页面本身可以读。" * 4 + "</p>"


def html_many_attributes():
    attrs = " ".join('a%d="x"' % i for i in range(100_000))
    return ("<html><body><div %s>%s</div></body></html>" % (attrs, ARTICLE)).encode()


def html_deep():
    n = 100_000
    return ("<html><body>" + "<div>" * n + ARTICLE + "</div>" * n + "</body></html>").encode()


def html_many_elements():
    return ("<html><body>" + ARTICLE + "<b></b>" * 2_000_000 + "</body></html>").encode()


ATTACKS = {
    "pdf_form_self": ("pdf", pdf_form_self, "a Form XObject that draws itself"),
    "pdf_form_cycle": ("pdf", pdf_form_cycle, "two Form XObjects drawing each other"),
    "pdf_forms_deep": ("pdf", pdf_forms_deep, "Form XObjects nested 200 deep"),
    "pdf_forms_fanout": ("pdf", pdf_forms_fanout, "8 levels of forms drawing the next 20 times"),
    "pdf_double_flate": ("pdf", pdf_double_flate, "[/FlateDecode /FlateDecode] inflating to 8 GiB"),
    "pdf_form_bomb": ("pdf", pdf_form_bomb, "a compressed Form XObject inflating to 1 GiB"),
    "pdf_td_flood": ("pdf", pdf_td_flood, "100 MB of `0 0 Td` operators on one page"),
    "pdf_ascii85_flate": ("pdf", pdf_ascii85_flate, "[/ASCII85Decode /FlateDecode] inflating to 300 MiB"),
    "pdf_objstm_bomb": ("pdf", pdf_objstm_bomb, "an object stream inflating to 500 MiB at load"),
    "pdf_parent_loop": ("pdf", pdf_parent_loop, "a page inheriting resources from itself"),
    "pdf_xref_bomb": ("pdf", pdf_xref_bomb, "a cross-reference stream inflating to 1 GiB at load"),
    "docx_long_run": ("docx", docx_long_run, "one text run of 20 million characters"),
    "docx_three_runs": ("docx", docx_three_runs, "three text runs of 20 million characters"),
    "docx_empty_body": ("docx", docx_empty_body, "a valid docx with no text"),
    "odt_long_run": ("odt", odt_long_run, "one paragraph of 20 million characters"),
    "html_many_attributes": ("html", html_many_attributes, "an element with 100,000 attributes"),
    "html_deep": ("html", html_deep, "elements nested 100,000 deep"),
    "html_many_elements": ("html", html_many_elements, "two million empty elements"),
}


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out = argv[1]
    names = argv[2:] or list(ATTACKS)
    os.makedirs(out, exist_ok=True)
    for name in names:
        ext, make, what = ATTACKS[name]
        data = make()
        path = os.path.join(out, "%s.%s" % (name, ext))
        with open(path, "wb") as f:
            f.write(data)
        print("%-22s %10d bytes  %s" % (name, len(data), what))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
