//! The zip container of office documents (OOXML `.docx`, ODF `.odt`) and the XML inside it.
//!
//! Entries are inflated whole but never past [`MAX_UNPACKED`] in all (the sizes an archive
//! declares are not trusted: a zip bomb declares small ones), and XML is streamed event by
//! event, so memory stays proportional to what is really text.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use super::Deadline;
use crate::ingest::decode::Unreadable;

/// Most bytes inflated from one document's entries, all together.
pub const MAX_UNPACKED: u64 = 256 << 20;

/// Bytes inflated between two deadline checks.
const CHUNK: usize = 1 << 20;

/// An office document's zip archive.
pub struct Package<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    format: &'static str,
    unpacked: u64,
}

impl<'a> Package<'a> {
    /// Opens the archive in `bytes`, a file of `format` (named in reasons).
    pub fn open(bytes: &'a [u8], format: &'static str) -> Result<Package<'a>, Unreadable> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Unreadable::corrupt(format, format!("not a readable zip archive ({e})"))
        })?;
        Ok(Package {
            archive,
            format,
            unpacked: 0,
        })
    }

    /// Whether the archive has an entry of this name.
    pub fn has(&self, name: &str) -> bool {
        self.archive.index_for_name(name).is_some()
    }

    /// The inflated bytes of entry `name`, `None` if there is none.
    pub fn read(&mut self, name: &str, deadline: &Deadline) -> Result<Option<Vec<u8>>, Unreadable> {
        let format = self.format;
        let mut entry = match self.archive.by_name(name) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(zip::result::ZipError::UnsupportedArchive(why))
                if why == zip::result::ZipError::PASSWORD_REQUIRED =>
            {
                return Err(Unreadable::Encrypted)
            }
            Err(e) => return Err(Unreadable::corrupt(format, format!("{name}: {e}"))),
        };
        if entry.encrypted() {
            return Err(Unreadable::Encrypted);
        }
        let left = MAX_UNPACKED.saturating_sub(self.unpacked);
        let mut out = Vec::new();
        let mut chunk = vec![0u8; CHUNK];
        loop {
            deadline.check()?;
            let n = entry
                .read(&mut chunk)
                .map_err(|e| Unreadable::corrupt(format, format!("{name}: {e}")))?;
            if n == 0 {
                break;
            }
            if (out.len() + n) as u64 > left {
                return Err(Unreadable::TooLarge);
            }
            out.extend_from_slice(&chunk[..n]);
        }
        self.unpacked += out.len() as u64;
        Ok(Some(out))
    }

    /// Like [`Package::read`], but a missing entry is a corrupt document.
    pub fn require(&mut self, name: &str, deadline: &Deadline) -> Result<Vec<u8>, Unreadable> {
        self.read(name, deadline)?
            .ok_or_else(|| Unreadable::corrupt(self.format, format!("no {name} in the archive")))
    }
}

/// One step through an XML document: elements open and close (an empty element does both),
/// text comes with its references resolved.
pub enum Node<'e> {
    /// An element starts: its qualified name (`w:p`) and attributes.
    Open(&'e BytesStart<'e>),
    /// An element ends: its qualified name.
    Close(&'e [u8]),
    /// Character data.
    Text(&'e str),
}

/// Streams `xml` (an entry of a `format` document, named `entry` in reasons) through `visit`,
/// checking the deadline as it goes. A text node longer than [`super::MAX_PARAGRAPH`], or
/// more than [`super::MAX_TEXT`] of text in all, stops it with the reason to skip the file.
pub fn walk(
    xml: &[u8],
    format: &'static str,
    entry: &str,
    deadline: &Deadline,
    mut visit: impl FnMut(Node<'_>),
) -> Result<(), Unreadable> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut buf = Vec::new();
    let bad = |e: &dyn std::fmt::Display| Unreadable::corrupt(format, format!("{entry}: {e}"));
    let mut events = 0u32;
    let mut text_bytes = 0usize;
    let mut text = |t: &str| {
        text_bytes += t.len();
        if t.len() > super::MAX_PARAGRAPH {
            Err(super::paragraph_too_long())
        } else if text_bytes > super::MAX_TEXT {
            Err(Unreadable::TooLarge)
        } else {
            Ok(())
        }
    };
    loop {
        events = events.wrapping_add(1);
        if events % 4096 == 0 {
            deadline.check()?;
        }
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => visit(Node::Open(&e)),
            Ok(Event::Empty(e)) => {
                visit(Node::Open(&e));
                visit(Node::Close(e.name().as_ref()));
            }
            Ok(Event::End(e)) => visit(Node::Close(e.name().as_ref())),
            Ok(Event::Text(t)) => {
                let t = t.xml10_content().map_err(|e| bad(&e))?;
                text(&t)?;
                visit(Node::Text(&t));
            }
            Ok(Event::CData(t)) => {
                let t = t.decode().map_err(|e| bad(&e))?;
                text(&t)?;
                visit(Node::Text(&t));
            }
            Ok(Event::GeneralRef(r)) => {
                let resolved: Option<Cow<'_, str>> = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(Cow::Owned(c.to_string())),
                    Ok(None) => match &*r {
                        b"amp" => Some("&".into()),
                        b"lt" => Some("<".into()),
                        b"gt" => Some(">".into()),
                        b"quot" => Some("\"".into()),
                        b"apos" => Some("'".into()),
                        _ => None,
                    },
                    // An invalid character reference is left out, not fatal.
                    Err(_) => None,
                };
                if let Some(text) = resolved {
                    visit(Node::Text(&text));
                }
            }
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(bad(&e)),
        }
        buf.clear();
    }
}

/// The value of attribute `name` (qualified, as `w:val`), unescaped.
pub fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(Cow::into_owned)
        })
}

/// The text of the first `qname` element of `xml` (as `dc:title` in document properties),
/// trimmed; `None` when absent or empty.
pub fn first_text(
    xml: &[u8],
    qname: &[u8],
    format: &'static str,
    entry: &str,
    deadline: &Deadline,
) -> Result<Option<String>, Unreadable> {
    let mut depth = 0usize;
    let mut found: Option<String> = None;
    let mut done = false;
    walk(xml, format, entry, deadline, |node| match node {
        Node::Open(e) if !done && e.name().as_ref() == qname => {
            depth += 1;
            found.get_or_insert_with(String::new);
        }
        Node::Open(_) => {}
        Node::Close(name) if depth > 0 && name == qname => {
            depth -= 1;
            done |= depth == 0;
        }
        Node::Close(_) => {}
        Node::Text(t) if depth > 0 && !done => {
            if let Some(f) = found.as_mut() {
                f.push_str(t);
            }
        }
        Node::Text(_) => {}
    })?;
    Ok(found
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty()))
}

/// Whether a title a document records about itself is worth showing: not empty, not a
/// placeholder or a file name, and found in the document's text (a stale title copied from a
/// template is not).
pub fn meaningful_title(title: &str, text: &str) -> bool {
    let title = title.trim();
    let lower = title.to_lowercase();
    const PLACEHOLDERS: &[&str] = &[
        "title",
        "untitled",
        "document",
        "标题",
        "无标题",
        "文档",
        "新建文档",
        "microsoft word",
    ];
    let squeezed: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    let in_text = || {
        let body: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        body.contains(&squeezed)
    };
    !squeezed.is_empty()
        && squeezed.chars().count() >= 2
        && !PLACEHOLDERS.iter().any(|p| lower == *p)
        && !lower.starts_with("microsoft word - ")
        && !looks_like_file_name(&lower)
        && !lower.starts_with("文档")
        && in_text()
}

/// `a.docx`, `C:\报告\x.doc`, `/tmp/report.pdf`.
fn looks_like_file_name(lower: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".doc", ".docx", ".wps", ".pdf", ".odt", ".txt", ".rtf", ".htm", ".html", ".xls", ".xlsx",
        ".ppt", ".pptx", ".tmp", ".dot", ".dotx", ".wpt",
    ];
    EXTENSIONS.iter().any(|e| lower.ends_with(e)) || lower.contains(":\\") || lower.starts_with('/')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A zip archive of `(name, contents)` entries, deflated.
    pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, contents) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(contents).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn entries_are_read_and_bounded() {
        let bytes = zip(&[("a.xml", b"<a>x</a>")]);
        let mut p = Package::open(&bytes, "docx").unwrap();
        assert!(p.has("a.xml") && !p.has("b.xml"));
        assert_eq!(
            p.read("a.xml", &Deadline::none()).unwrap().unwrap(),
            b"<a>x</a>"
        );
        assert_eq!(p.read("b.xml", &Deadline::none()).unwrap(), None);
        assert!(matches!(
            p.require("b.xml", &Deadline::none()),
            Err(Unreadable::Corrupt { .. })
        ));
        assert!(matches!(
            Package::open(b"PK\x03\x04 truncated", "docx"),
            Err(Unreadable::Corrupt { format: "docx", .. })
        ));
    }

    #[test]
    fn a_zip_bomb_is_too_large() {
        let zeros = vec![0u8; (MAX_UNPACKED / 2 + 1) as usize];
        let bytes = zip(&[("a.xml", &zeros), ("b.xml", &zeros)]);
        assert!(bytes.len() < 2 << 20, "{}", bytes.len());
        let mut p = Package::open(&bytes, "docx").unwrap();
        assert!(p.read("a.xml", &Deadline::none()).is_ok());
        assert_eq!(
            p.read("b.xml", &Deadline::none()),
            Err(Unreadable::TooLarge)
        );
    }

    #[test]
    fn xml_text_with_references() {
        let xml = "<r><t>党建&amp;引领&#x4E2D;&#20013;</t><e/><![CDATA[<x>]]></r>".as_bytes();
        let mut text = String::new();
        let mut opened = Vec::new();
        walk(xml, "docx", "x", &Deadline::none(), |n| match n {
            Node::Text(t) => text.push_str(t),
            Node::Open(e) => opened.push(String::from_utf8_lossy(e.name().as_ref()).into_owned()),
            Node::Close(_) => {}
        })
        .unwrap();
        assert_eq!(text, "党建&引领中中<x>");
        assert_eq!(opened, vec!["r", "t", "e"]);
        assert!(walk(b"<a><b></a>", "docx", "x", &Deadline::none(), |_| {}).is_err());
    }

    #[test]
    fn meaningful_titles() {
        let text = "关于开展党建工作的通知\n正文。";
        assert!(meaningful_title("关于开展党建工作的通知", text));
        assert!(!meaningful_title("", text));
        assert!(!meaningful_title("Microsoft Word - 通知.docx", text));
        assert!(!meaningful_title("通知.docx", text));
        assert!(!meaningful_title("标题", "标题\n正文"));
        assert!(!meaningful_title("2019年工作总结", text), "not in the text");
    }
}
