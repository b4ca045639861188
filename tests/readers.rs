//! Hostile files read in process: every one is skipped with its reason, and none may crash,
//! overflow the stack or take gigabytes. On a reader without these limits the test process
//! itself aborts (a stack overflow, an allocation that fails) or the reason is wrong.
//!
//! The files are made here, small, the way `scripts/hostile_files.py` makes them for the
//! reliability battery (same names).

mod support;

use std::io::Write;

use support::{pdf, pdf_stream};
use zhsearch::ingest::Report;

const MIB: usize = 1 << 20;

/// The reason `bytes`, named `name`, is skipped (it must be).
fn skipped(name: &str, bytes: &[u8]) -> String {
    match Report::from_bytes(name, bytes) {
        Ok(r) => panic!("{name} was read: {} characters", r.text.len()),
        Err(why) => why.to_string(),
    }
}

// --- zlib and ASCII85 -----------------------------------------------------------------------

/// Adler-32 of `block` repeated `times`.
fn adler32_repeated(block: &[u8], times: usize) -> u32 {
    const MOD: u64 = 65521;
    if block.iter().all(|&b| b == 0) {
        let n = (block.len() as u64 * times as u64) % MOD;
        return ((n as u32) << 16) | 1;
    }
    let (mut a, mut b) = (1u64, 0u64);
    for _ in 0..times {
        for &x in block {
            a = (a + u64::from(x)) % MOD;
            b = (b + a) % MOD;
        }
    }
    ((b as u32) << 16) | a as u32
}

/// A zlib stream of `block` repeated `times`, compressed once: each repetition is the same
/// fully flushed deflate blocks (gigabytes inflated from a few kilobytes, made at once).
fn repeated_zlib(block: &[u8], times: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::best(), false);
    let mut chunk = Vec::with_capacity(block.len() + 1024);
    c.compress_vec(block, &mut chunk, FlushCompress::Full)
        .unwrap();
    assert_eq!(
        c.total_in() as usize,
        block.len(),
        "block too large for one call"
    );
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, FlushCompress::Finish)
        .unwrap();
    let mut out = vec![0x78, 0xDA];
    out.reserve(chunk.len() * times + end.len() + 4);
    for _ in 0..times {
        out.extend_from_slice(&chunk);
    }
    out.extend_from_slice(&end);
    out.extend_from_slice(&adler32_repeated(block, times).to_be_bytes());
    out
}

/// `mib` MiB of zero bytes as a zlib stream.
fn zeros_zlib(mib: usize) -> Vec<u8> {
    repeated_zlib(&vec![0u8; MIB], mib)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn ascii85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 5 / 4 + 8);
    for group in data.chunks(4) {
        let mut word = [0u8; 4];
        word[..group.len()].copy_from_slice(group);
        let mut value = u32::from_be_bytes(word);
        if group.len() == 4 && value == 0 {
            out.push(b'z');
            continue;
        }
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = (value % 85) as u8 + b'!';
            value /= 85;
        }
        out.extend_from_slice(&digits[..group.len() + 1]);
    }
    out.extend_from_slice(b"~>");
    out
}

// --- PDF ------------------------------------------------------------------------------------

const TEXT: &[u8] = b"BT /F1 12 Tf 72 720 Td (Hello world) Tj ET\n";

/// Catalog (1), page tree (2), font (3), the page's content (4, given) and the page (5),
/// with more objects from 6 on.
fn one_page(content: Vec<u8>, resources: &str, more: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        content,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources {resources} /Contents 4 0 R >>"
        )
        .into_bytes(),
    ];
    objects.extend(more);
    pdf(&objects)
}

const FONT: &str = "<< /Font << /F1 3 0 R >> >>";

fn form(resources: &str, content: &[u8]) -> Vec<u8> {
    pdf_stream(
        &format!("/Type /XObject /Subtype /Form /BBox [0 0 595 842] {resources}"),
        content,
    )
}

/// `pdf_form_self`: a form that draws itself.
fn pdf_form_self() -> Vec<u8> {
    let content = [TEXT, b"/Fx Do\n"].concat();
    one_page(
        pdf_stream("", &content),
        "<< /Font << /F1 3 0 R >> /XObject << /Fx 6 0 R >> >>",
        vec![form("", b"/Fx Do\n")],
    )
}

/// A page drawing form 6, which draws form 7 `draws` times, … `depth` forms deep.
fn form_chain(depth: usize, draws: usize) -> Vec<u8> {
    let content = [TEXT, b"/F Do\n"].concat();
    let forms = (0..depth)
        .map(|level| {
            if level + 1 < depth {
                form(
                    &format!("/Resources << /XObject << /F {} 0 R >> >>", 7 + level),
                    "/F Do\n".repeat(draws).as_bytes(),
                )
            } else {
                form("/Resources << >>", b"0 0 m\n")
            }
        })
        .collect();
    one_page(
        pdf_stream("", &content),
        "<< /Font << /F1 3 0 R >> /XObject << /F 6 0 R >> >>",
        forms,
    )
}

#[test]
fn regression_a_pdf_form_that_draws_itself_is_skipped_not_a_stack_overflow() {
    let bytes = pdf_form_self();
    assert!(bytes.len() < 1000, "{}", bytes.len());
    assert_eq!(
        skipped("self.pdf", &bytes),
        "corrupt pdf: a form draws itself"
    );
    // Two forms drawing each other.
    let content = [TEXT, b"/Fa Do\n"].concat();
    let cycle = one_page(
        pdf_stream("", &content),
        "<< /Font << /F1 3 0 R >> /XObject << /Fa 6 0 R >> >>",
        vec![
            form("/Resources << /XObject << /Fb 7 0 R >> >>", b"/Fb Do\n"),
            form("/Resources << /XObject << /Fa 6 0 R >> >>", b"/Fa Do\n"),
        ],
    );
    assert_eq!(
        skipped("cycle.pdf", &cycle),
        "corrupt pdf: a form draws itself"
    );
}

#[test]
fn regression_pdf_forms_nested_too_deep_or_drawn_exponentially_are_skipped() {
    assert_eq!(
        skipped("deep.pdf", &form_chain(200, 1)),
        "corrupt pdf: nested forms too deep"
    );
    // 20^8 drawings of the innermost form: no cycle, not deep, but endless.
    assert_eq!(
        skipped("fanout.pdf", &form_chain(8, 20)),
        "corrupt pdf: too many drawing operations"
    );
    // A few levels, a few drawings: read.
    let fine = Report::from_bytes("fine.pdf", &form_chain(4, 3)).unwrap();
    assert!(fine.text.contains("Hello world"), "{}", fine.text);
}

#[test]
fn regression_a_page_inheriting_resources_from_itself_is_skipped() {
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        pdf_stream("", TEXT),
        b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
    ];
    assert_eq!(
        skipped("loop.pdf", &pdf(&objects)),
        "corrupt pdf: the page tree loops"
    );
}

#[test]
fn regression_every_filter_of_a_chain_is_bounded() {
    // 8 GiB behind two Flate filters, in a few kilobytes.
    let bytes = one_page(
        pdf_stream(
            "/Filter [/FlateDecode /FlateDecode]",
            &zlib(&zeros_zlib(8 * 1024)),
        ),
        FONT,
        vec![],
    );
    assert!(bytes.len() < 64 << 10, "{}", bytes.len());
    assert_eq!(skipped("double.pdf", &bytes), "too large when unpacked");
    // 300 MiB behind ASCII85 then Flate.
    let bytes = one_page(
        pdf_stream(
            "/Filter [/ASCII85Decode /FlateDecode]",
            &ascii85(&zeros_zlib(300)),
        ),
        FONT,
        vec![],
    );
    assert_eq!(skipped("a85.pdf", &bytes), "too large when unpacked");
}

#[test]
fn regression_a_compressed_form_is_bounded() {
    let content = [TEXT, b"/Fx Do\n"].concat();
    let bytes = one_page(
        pdf_stream("", &content),
        "<< /Font << /F1 3 0 R >> /XObject << /Fx 6 0 R >> >>",
        vec![pdf_stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Filter /FlateDecode",
            &zeros_zlib(300),
        )],
    );
    assert_eq!(skipped("form.pdf", &bytes), "too large when unpacked");
}

#[test]
fn regression_an_object_stream_is_bounded_while_the_file_loads() {
    // One object, then 500 MiB of zeros after it.
    let header = b"7 0 ";
    let mut inner = header.to_vec();
    inner.extend_from_slice(b"<< /Zh 1 >> ");
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let mut head = Vec::with_capacity(256);
    c.compress_vec(&inner, &mut head, flate2::FlushCompress::Full)
        .unwrap();
    let zeros = zeros_zlib(500);
    let mut data = vec![0x78, 0xDA];
    data.extend_from_slice(&head);
    // The zeros' deflate blocks, without their zlib header and checksum.
    data.extend_from_slice(&zeros[2..zeros.len() - 4]);
    // Adler-32 of the object and the zeros: the zeros leave `a` as it is and add it to `b`
    // once each.
    let inner_adler = adler32_repeated(&inner, 1);
    let (a, b) = (
        u64::from(inner_adler & 0xFFFF),
        u64::from(inner_adler >> 16),
    );
    let b = (b + a * (500 * MIB as u64)) % 65521;
    data.extend_from_slice(&(((b as u32) << 16) | a as u32).to_be_bytes());
    let bytes = one_page(
        pdf_stream("", TEXT),
        FONT,
        vec![pdf_stream(
            &format!(
                "/Type /ObjStm /N 1 /First {} /Filter /FlateDecode",
                header.len()
            ),
            &data,
        )],
    );
    assert_eq!(skipped("objstm.pdf", &bytes), "too large when unpacked");
}

#[test]
fn regression_a_cross_reference_stream_is_bounded_before_the_file_loads() {
    // The cross-reference table as a stream inflating to 100 MiB (the loader inflates it
    // before anything else sees the file).
    let body = one_page(pdf_stream("", TEXT), FONT, vec![]);
    let cut = body.windows(5).position(|w| w == b"xref\n").unwrap();
    let mut bytes = body[..cut].to_vec();
    let at = bytes.len();
    bytes.extend_from_slice(b"6 0 obj\n");
    bytes.extend_from_slice(&pdf_stream(
        "/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode",
        &zeros_zlib(100),
    ));
    bytes.extend_from_slice(format!("\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    assert_eq!(skipped("xref.pdf", &bytes), "too large when unpacked");
}

#[test]
fn regression_a_flood_of_drawing_operations_is_skipped() {
    // 1.5 million `0 0 Td` (the extractor holds every operation in memory at once).
    let block = "0 0 Td\n".repeat(10_000);
    let data = repeated_zlib(block.as_bytes(), 150);
    let bytes = one_page(pdf_stream("/Filter /FlateDecode", &data), FONT, vec![]);
    assert!(bytes.len() < 64 << 10, "{}", bytes.len());
    assert_eq!(
        skipped("td.pdf", &bytes),
        "corrupt pdf: too many drawing operations"
    );
}

#[test]
fn a_pdf_whose_content_cannot_be_read_says_so() {
    // A page drawing an XObject it does not have fails in the extractor before its text:
    // that is no scan.
    let bytes = one_page(
        pdf_stream("", b"BT /F1 12 Tf 72 720 Td /Missing Do (Hello) Tj ET\n"),
        FONT,
        vec![],
    );
    let why = skipped("bad.pdf", &bytes);
    assert!(
        why.starts_with("corrupt pdf: the content of 1 page(s) could not be read"),
        "{why}"
    );
}

// --- office documents -----------------------------------------------------------------------

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, contents) in entries {
            // ODF's `mimetype` comes first and stored, as readers sniff it.
            let opts = if *name == "mimetype" {
                opts.compression_method(zip::CompressionMethod::Stored)
            } else {
                opts
            };
            w.start_file(*name, opts).unwrap();
            w.write_all(contents).unwrap();
        }
        w.finish().unwrap();
    }
    out.into_inner()
}

fn docx(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
        ),
        ("word/document.xml", document.as_bytes()),
    ])
}

#[test]
fn regression_a_docx_with_a_run_of_millions_of_characters_is_skipped() {
    // Two million characters in one run (the file of the report had 20 million: 65 KB,
    // 4.2 GB once read and indexed).
    let run = "党".repeat(2_000_000);
    let one = docx(&format!("<w:p><w:r><w:t>{run}</w:t></w:r></w:p>"));
    assert!(one.len() < 200 << 10, "{}", one.len());
    assert_eq!(
        skipped("run.docx", &one),
        "not supported: a paragraph longer than 1 MiB"
    );
}

#[test]
fn a_docx_without_text_says_so_not_empty_file() {
    assert_eq!(
        skipped("blank.docx", &docx("<w:p/><w:sectPr/>")),
        "no text in the document"
    );
}

#[test]
fn regression_an_odt_with_a_paragraph_of_millions_of_characters_is_skipped() {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>{}</text:p></office:text></office:body></office:document-content>"#,
        "党".repeat(2_000_000)
    );
    let bytes = zip(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", content.as_bytes()),
    ]);
    assert_eq!(
        skipped("run.odt", &bytes),
        "not supported: a paragraph longer than 1 MiB"
    );
}

// --- HTML -----------------------------------------------------------------------------------

#[test]
fn regression_a_page_with_100000_attributes_on_an_element_is_skipped_before_parsing() {
    let attributes: Vec<String> = (0..100_000).map(|i| format!("a{i}=\"x\"")).collect();
    let html = format!(
        "<html><body><div {}><p>{}</p></div></body></html>",
        attributes.join(" "),
        "这是一篇正常的报告正文，用来确认页面本身可以读。".repeat(4)
    );
    assert_eq!(
        skipped("attrs.html", html.as_bytes()),
        "not supported: an element with more than 1000 attributes"
    );
}
