//! `.doc` (Word 97–2003) and `.wps` (WPS Office's binary documents, the same layout): the text
//! of an OLE compound file's `WordDocument` stream, through its piece table.
//!
//! The File Information Block at the start of `WordDocument` says where the piece table (the
//! CLX) is in the table stream (`0Table` or `1Table`) and how many characters each story
//! holds. Each piece is a run of character positions stored either as UTF-16LE (all Chinese
//! text) or "compressed" as one cp1252 byte per character. Field codes
//! (`0x13 instruction 0x14 result 0x15`) keep their result only; paragraph marks become line
//! breaks, table cell marks tabs and the mark ending a row a line break; other control
//! characters go. Text boxes, then footnotes and endnotes follow the main text. Headers and
//! comments are left out.
//!
//! Word 6/95 files (an older FIB) are read when they are not fast-saved: their text is one
//! run of bytes in the document's legacy code page, decoded like a text file.
//!
//! Every offset and length comes from the file: all are checked before use.
//! References: [MS-DOC] 2.5.1 (Fib), 2.9.38 (Clx), 2.9.177 (PlcPcd), 2.4.1 (text retrieval).

use std::io::{Cursor, Read};

use super::{Deadline, Format, FormattedText, OLE_MAGIC};
use crate::ingest::decode::{self, Unreadable};

/// Word 97–2003 and WPS binary documents.
pub struct Doc;

const NAME: &str = "doc";

/// Most characters read from one document (a piece table can point many pieces at the same
/// bytes; real documents stay far below).
const MAX_CHARS: usize = 32 << 20;
/// Largest stream read from the compound file.
const MAX_STREAM: u64 = super::package::MAX_UNPACKED;

impl Format for Doc {
    fn format(&self) -> super::ReportFormat {
        super::ReportFormat::Doc
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["doc", "wps", "dot", "wpt"]
    }

    fn media_type(&self) -> &'static str {
        "application/msword"
    }

    fn read(&self, bytes: &[u8], deadline: &Deadline) -> Result<FormattedText, Unreadable> {
        if bytes.starts_with(b"{\\rtf") {
            return Err(Unreadable::Unsupported("an RTF document".into()));
        }
        if !bytes.starts_with(OLE_MAGIC) {
            return Err(Unreadable::corrupt(
                NAME,
                "not a Word document (no compound-file header)",
            ));
        }
        let mut cf = cfb::CompoundFile::open(Cursor::new(bytes))
            .map_err(|e| Unreadable::corrupt(NAME, format!("bad compound file ({e})")))?;
        // An encrypted .docx is an OLE container too, holding the encrypted package.
        if cf.is_stream("EncryptionInfo") || cf.is_stream("EncryptedPackage") {
            return Err(Unreadable::Encrypted);
        }
        if !cf.is_stream("WordDocument") {
            return Err(Unreadable::corrupt(
                NAME,
                "no WordDocument stream (not a Word document)",
            ));
        }
        let word = read_stream(&mut cf, "WordDocument")?;
        let fib = Fib::parse(&word)?;
        if fib.encrypted {
            return Err(Unreadable::Encrypted);
        }
        if fib.legacy {
            return read_word6(&word, &fib).and_then(super::bounded_text);
        }
        let table_name = if fib.table_one { "1Table" } else { "0Table" };
        if !cf.is_stream(table_name) {
            return Err(Unreadable::corrupt(NAME, format!("no {table_name} stream")));
        }
        let table = read_stream(&mut cf, table_name)?;
        let clx = slice(&table, fib.fc_clx, fib.lcb_clx)
            .ok_or_else(|| Unreadable::corrupt(NAME, "the piece table lies outside its stream"))?;
        let pieces = parse_clx(clx)?;
        let units = characters(&word, &pieces, fib.total_chars(), deadline)?;
        super::bounded_text(assemble(&units, &fib))
    }
}

fn read_stream(
    cf: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    name: &str,
) -> Result<Vec<u8>, Unreadable> {
    let stream = cf
        .open_stream(name)
        .map_err(|e| Unreadable::corrupt(NAME, format!("{name}: {e}")))?;
    let mut out = Vec::new();
    stream
        .take(MAX_STREAM + 1)
        .read_to_end(&mut out)
        .map_err(|e| Unreadable::corrupt(NAME, format!("{name}: {e}")))?;
    if out.len() as u64 > MAX_STREAM {
        return Err(Unreadable::TooLarge);
    }
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// `lcb` bytes of `b` from `fc`, if they are all there.
fn slice(b: &[u8], fc: u32, lcb: u32) -> Option<&[u8]> {
    let start = usize::try_from(fc).ok()?;
    let end = start.checked_add(usize::try_from(lcb).ok()?)?;
    b.get(start..end)
}

/// What the File Information Block says.
#[derive(Debug, Default, Clone)]
struct Fib {
    encrypted: bool,
    table_one: bool,
    /// A Word 6/95 FIB.
    legacy: bool,
    complex: bool,
    fc_min: u32,
    fc_mac: u32,
    fc_clx: u32,
    lcb_clx: u32,
    /// Characters of each story: main text, footnotes, headers, macros, comments, endnotes,
    /// text boxes, header text boxes.
    ccp: [u32; 8],
}

impl Fib {
    fn parse(word: &[u8]) -> Result<Fib, Unreadable> {
        let short = || Unreadable::corrupt(NAME, "truncated file information block");
        let ident = u16_at(word, 0).ok_or_else(short)?;
        if ident != 0xA5EC && ident != 0xA5DC {
            return Err(Unreadable::corrupt(
                NAME,
                "not a Word document (bad FIB signature)",
            ));
        }
        let n_fib = u16_at(word, 2).ok_or_else(short)?;
        let flags = u16_at(word, 0x0A).ok_or_else(short)?;
        let mut fib = Fib {
            encrypted: flags & 0x0100 != 0 || flags & 0x8000 != 0,
            table_one: flags & 0x0200 != 0,
            complex: flags & 0x0004 != 0,
            legacy: n_fib < 0x00C1,
            fc_min: u32_at(word, 0x18).ok_or_else(short)?,
            fc_mac: u32_at(word, 0x1C).ok_or_else(short)?,
            ..Fib::default()
        };
        if fib.legacy || fib.encrypted {
            return Ok(fib);
        }
        // FibBase (32 bytes), then csw and FibRgW97, cslw and FibRgLw97, cbRgFcLcb and
        // FibRgFcLcb: each part says its own length.
        let csw = usize::from(u16_at(word, 32).ok_or_else(short)?);
        let lw_at = 34 + csw * 2;
        let cslw = usize::from(u16_at(word, lw_at).ok_or_else(short)?);
        let lw = lw_at + 2;
        if cslw < 11 {
            return Err(short());
        }
        // FibRgLw97: cbMac, 2 reserved, then ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn,
        // ccpTxbx, ccpHdrTxbx.
        for (i, ccp) in fib.ccp.iter_mut().enumerate() {
            let v = u32_at(word, lw + (3 + i) * 4).ok_or_else(short)?;
            // A negative count (the field is signed) is corrupt; read it as nothing.
            *ccp = if v > i32::MAX as u32 { 0 } else { v };
        }
        let fc_at = lw + cslw * 4;
        let cb_fc_lcb = usize::from(u16_at(word, fc_at).ok_or_else(short)?);
        // fcClx/lcbClx is the 34th pair of FibRgFcLcb97.
        const CLX_PAIR: usize = 33;
        if cb_fc_lcb <= CLX_PAIR {
            return Err(Unreadable::corrupt(NAME, "no piece table in the FIB"));
        }
        let pair = fc_at + 2 + CLX_PAIR * 8;
        fib.fc_clx = u32_at(word, pair).ok_or_else(short)?;
        fib.lcb_clx = u32_at(word, pair + 4).ok_or_else(short)?;
        Ok(fib)
    }

    /// Character positions used by all stories (there is one more, the final paragraph
    /// mark, when any story besides the main text is present).
    fn total_chars(&self) -> usize {
        self.ccp
            .iter()
            .fold(0usize, |sum, &n| sum.saturating_add(n as usize))
            .saturating_add(1)
    }
}

/// One piece: character positions `[cp_start, cp_end)` stored from byte `offset` of
/// `WordDocument`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    cp_start: u32,
    cp_end: u32,
    offset: usize,
    compressed: bool,
}

/// The piece table in a CLX: any number of `Prc` (0x01, a 16-bit size, that many bytes of
/// property modifiers), then one `Pcdt` (0x02, a 32-bit size, a PlcPcd).
fn parse_clx(clx: &[u8]) -> Result<Vec<Piece>, Unreadable> {
    let bad = |why: &str| Unreadable::corrupt(NAME, format!("piece table: {why}"));
    let mut at = 0usize;
    loop {
        match clx.get(at) {
            Some(0x01) => {
                let size = u16_at(clx, at + 1).ok_or_else(|| bad("truncated"))?;
                at += 3 + usize::from(size);
            }
            Some(0x02) => break,
            Some(_) => return Err(bad("unknown entry")),
            None => return Err(bad("no piece descriptors")),
        }
    }
    let lcb = u32_at(clx, at + 1).ok_or_else(|| bad("truncated"))? as usize;
    let plc = clx
        .get(at + 5..)
        .and_then(|rest| rest.get(..lcb))
        .ok_or_else(|| bad("longer than its stream"))?;
    // (n + 1) character positions of 4 bytes, then n descriptors of 8 bytes.
    if plc.len() < 4 || (plc.len() - 4) % 12 != 0 {
        return Err(bad("bad size"));
    }
    let n = (plc.len() - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let cp_start = u32_at(plc, i * 4).ok_or_else(|| bad("truncated"))?;
        let cp_end = u32_at(plc, (i + 1) * 4).ok_or_else(|| bad("truncated"))?;
        if cp_end < cp_start {
            return Err(bad("positions out of order"));
        }
        let pcd = (n + 1) * 4 + i * 8;
        let fc = u32_at(plc, pcd + 2).ok_or_else(|| bad("truncated"))?;
        let compressed = fc & 0x4000_0000 != 0;
        let fc = fc & 0x3FFF_FFFF;
        pieces.push(Piece {
            cp_start,
            cp_end,
            offset: if compressed {
                fc as usize / 2
            } else {
                fc as usize
            },
            compressed,
        });
    }
    Ok(pieces)
}

/// Windows-1252 for the bytes 0x80–0x9F of compressed pieces ([MS-DOC] 2.4.1); the other
/// bytes are Latin-1.
fn cp1252(b: u8) -> u16 {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => u16::from(b),
    }
}

/// The UTF-16 code units of character positions `[0, total)`, piece by piece (a position no
/// piece covers, or whose bytes are missing, is left out).
fn characters(
    word: &[u8],
    pieces: &[Piece],
    total: usize,
    deadline: &Deadline,
) -> Result<Vec<u16>, Unreadable> {
    let total = total.min(MAX_CHARS);
    let mut units: Vec<u16> = Vec::new();
    for piece in pieces {
        deadline.check()?;
        let start = piece.cp_start as usize;
        if start >= total || units.len() >= total {
            break;
        }
        let count = (piece.cp_end as usize).min(total) - start;
        if piece.compressed {
            let bytes = word
                .get(piece.offset..)
                .map(|b| &b[..count.min(b.len())])
                .unwrap_or_default();
            units.extend(bytes.iter().map(|&b| cp1252(b)));
        } else {
            let bytes = word
                .get(piece.offset..)
                .map(|b| &b[..(count.saturating_mul(2)).min(b.len())])
                .unwrap_or_default();
            units.extend(
                bytes
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
            );
        }
    }
    units.truncate(total);
    Ok(units)
}

/// Field state while reading characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Instruction,
    Result,
}

/// The text of character positions in `range`, with fields and control characters resolved.
fn story(units: &[u16], range: std::ops::Range<usize>) -> String {
    let units = units
        .get(range.start.min(units.len())..range.end.min(units.len()))
        .unwrap_or_default();
    let mut out: Vec<u16> = Vec::with_capacity(units.len());
    let mut fields: Vec<Field> = Vec::new();
    // Fields in `fields` still in their instruction (what is read there is left out).
    let mut instructions = 0usize;
    let mut previous = 0u16;
    // Auto-numbered note marks, at the reference and at the note: 1, 2, 3…
    let mut notes = 0u32;
    for &u in units {
        match u {
            0x13 => {
                fields.push(Field::Instruction);
                instructions += 1;
            }
            0x14 => {
                if let Some(f) = fields.last_mut() {
                    if *f == Field::Instruction {
                        instructions -= 1;
                    }
                    *f = Field::Result;
                }
            }
            0x15 => {
                if fields.pop() == Some(Field::Instruction) {
                    instructions -= 1;
                }
            }
            _ if instructions > 0 => {}
            0x0B..=0x0E => out.push(u16::from(b'\n')),
            // A cell ends with 0x07, and the row with one more.
            0x07 if previous == 0x07 => out.push(u16::from(b'\n')),
            0x07 | 0x09 => out.push(u16::from(b'\t')),
            0x1E => out.push(u16::from(b'-')),
            0x02 => {
                notes += 1;
                out.extend(notes.to_string().encode_utf16());
            }
            0xA0 => out.push(u16::from(b' ')),
            _ if u < 0x20 || (0x7F..0xA0).contains(&u) => {}
            _ => out.push(u),
        }
        previous = u;
    }
    let text = String::from_utf16_lossy(&out);
    // Trailing tabs of a table row, trailing spaces of a line.
    let mut clean = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.trim_end();
        if !line.is_empty() {
            clean.push_str(line);
            clean.push('\n');
        }
    }
    clean
}

fn assemble(units: &[u16], fib: &Fib) -> FormattedText {
    let [text, ftn, hdd, mcr, atn, edn, txbx, _] = fib.ccp.map(|n| n as usize);
    let ftn_at = text;
    let edn_at = ftn_at + ftn + hdd + mcr + atn;
    let txbx_at = edn_at + edn;
    let mut out = story(units, 0..text);
    out.push_str(&story(units, txbx_at..txbx_at + txbx));
    let notes = [
        story(units, ftn_at..ftn_at + ftn),
        story(units, edn_at..edn_at + edn),
    ]
    .concat();
    if !notes.trim().is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    FormattedText {
        text: out.trim_end().to_string(),
        headings: None,
        title: None,
        encoding: "",
    }
}

/// A Word 6/95 document: unless fast-saved, its text is the bytes `[fcMin, fcMac)` of
/// `WordDocument`, in the legacy code page of the system that wrote it.
fn read_word6(word: &[u8], fib: &Fib) -> Result<FormattedText, Unreadable> {
    if fib.complex {
        return Err(Unreadable::Unsupported(
            "a fast-saved Word 6/95 document".into(),
        ));
    }
    let bytes = slice(word, fib.fc_min, fib.fc_mac.saturating_sub(fib.fc_min))
        .ok_or_else(|| Unreadable::corrupt(NAME, "the text lies outside its stream"))?;
    let units: Vec<u16> = match decode::decode(bytes) {
        Ok(d) => d.text.encode_utf16().collect(),
        // Control characters made it look binary: decode what is text.
        Err(_) => {
            let cleaned: Vec<u8> = bytes
                .iter()
                .map(|&b| {
                    if b < 0x20 && b != b'\r' && b != 7 {
                        b' '
                    } else {
                        b
                    }
                })
                .collect();
            decode::decode(&cleaned)?.text.encode_utf16().collect()
        }
    };
    let text = story(&units, 0..units.len());
    Ok(FormattedText {
        text: text.trim_end().to_string(),
        headings: None,
        title: None,
        encoding: "",
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A Word 97 document whose main text is `main` (and footnotes `notes`), stored in
    /// pieces: each `(text, compressed)`.
    pub(crate) fn doc_with(pieces: &[(&str, bool)], ccp_ftn: u32, flags: u16) -> Vec<u8> {
        // WordDocument: the FIB (FibBase, csw = 14, cslw = 22, cbRgFcLcb = 93), then text.
        let mut word = vec![0u8; 0x200];
        word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
        word[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
        word[0x0A..0x0C].copy_from_slice(&(flags | 0x0200).to_le_bytes());
        word[32..34].copy_from_slice(&14u16.to_le_bytes());
        let lw_at = 34 + 28;
        word[lw_at..lw_at + 2].copy_from_slice(&22u16.to_le_bytes());
        let fc_at = lw_at + 2 + 22 * 4;
        word[fc_at..fc_at + 2].copy_from_slice(&93u16.to_le_bytes());
        word.resize(fc_at + 2 + 93 * 8, 0);
        let mut cps = vec![0u32];
        let mut pcds = Vec::new();
        let mut total = 0u32;
        for (text, compressed) in pieces {
            let offset = word.len() as u32;
            let n = if *compressed {
                let bytes = encoding_rs::WINDOWS_1252.encode(text).0;
                word.extend_from_slice(&bytes);
                bytes.len() as u32
            } else {
                let units: Vec<u16> = text.encode_utf16().collect();
                for u in &units {
                    word.extend_from_slice(&u.to_le_bytes());
                }
                units.len() as u32
            };
            total += n;
            cps.push(total);
            let fc = if *compressed {
                (offset * 2) | 0x4000_0000
            } else {
                offset
            };
            let mut pcd = vec![0u8; 8];
            pcd[2..6].copy_from_slice(&fc.to_le_bytes());
            pcds.push(pcd);
        }
        let ccp_text = total - ccp_ftn;
        let lw = lw_at + 2;
        word[lw + 12..lw + 16].copy_from_slice(&ccp_text.to_le_bytes());
        word[lw + 16..lw + 20].copy_from_slice(&ccp_ftn.to_le_bytes());
        // The table stream: a Prc to skip, then the Pcdt.
        let mut plc = Vec::new();
        for cp in &cps {
            plc.extend_from_slice(&cp.to_le_bytes());
        }
        for pcd in &pcds {
            plc.extend_from_slice(pcd);
        }
        let mut table = vec![0xAAu8; 16];
        let fc_clx = table.len() as u32;
        table.extend_from_slice(&[0x01, 2, 0, 0xFF, 0xFF, 0x02]);
        table.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        table.extend_from_slice(&plc);
        let lcb_clx = table.len() as u32 - fc_clx;
        let pair = fc_at + 2 + 33 * 8;
        word[pair..pair + 4].copy_from_slice(&fc_clx.to_le_bytes());
        word[pair + 4..pair + 8].copy_from_slice(&lcb_clx.to_le_bytes());
        ole(&[("WordDocument", &word), ("1Table", &table)])
    }

    pub(crate) fn ole(streams: &[(&str, &[u8])]) -> Vec<u8> {
        let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        for (name, bytes) in streams {
            let mut s = cf.create_stream(name).unwrap();
            s.write_all(bytes).unwrap();
        }
        cf.flush().unwrap();
        cf.into_inner().into_inner()
    }

    fn read(bytes: &[u8]) -> Result<FormattedText, Unreadable> {
        Doc.read(bytes, &Deadline::none())
    }

    #[test]
    fn unicode_and_compressed_pieces_fields_and_tables() {
        let pieces = [
            ("关于加强基层党建工作的报告\r", false),
            (
                "Page \u{13} PAGE \\* MERGEFORMAT \u{14}3\u{15} \u{201C}ok\u{201D}\r",
                true,
            ),
            ("姓名\u{7}职务\u{7}\u{7}张三\u{7}书记\u{7}\u{7}", false),
            ("2022年完成目标\u{2}。\u{b}第二行\r", false),
            ("\u{2}脚注内容\r", false),
        ];
        let bytes = doc_with(&pieces, 6, 0);
        let out = read(&bytes).unwrap();
        assert_eq!(
            out.text,
            "关于加强基层党建工作的报告\nPage 3 \u{201C}ok\u{201D}\n姓名\t职务\n张三\t书记\n2022年完成目标1。\n第二行\n\n1脚注内容"
        );
    }

    #[test]
    fn encrypted_documents_are_password_protected() {
        let bytes = doc_with(&[("机密\r", false)], 0, 0x0100);
        assert_eq!(read(&bytes).unwrap_err(), Unreadable::Encrypted);
        let ooxml = ole(&[("EncryptionInfo", b"\x04\x00"), ("EncryptedPackage", b"xx")]);
        assert_eq!(read(&ooxml).unwrap_err(), Unreadable::Encrypted);
        assert_eq!(read(&ooxml).unwrap_err().to_string(), "password-protected");
    }

    #[test]
    fn broken_files_have_reasons() {
        let err = |b: &[u8]| read(b).unwrap_err().to_string();
        assert!(err(b"garbage").starts_with("corrupt doc: not a Word document"));
        assert_eq!(err(b"{\\rtf1 hello}"), "not supported: an RTF document");
        let mut truncated = doc_with(&[("正文内容\r", false)], 0, 0);
        truncated.truncate(1000);
        assert!(
            err(&truncated).starts_with("corrupt doc"),
            "{}",
            err(&truncated)
        );
        let other = ole(&[("Workbook", b"xx")]);
        assert_eq!(
            err(&other),
            "corrupt doc: no WordDocument stream (not a Word document)"
        );
        let no_table = ole(&[(
            "WordDocument",
            &[0xEC, 0xA5, 0xC1, 0, 0, 0, 0, 0, 0, 0, 0, 2],
        )]);
        assert!(
            err(&no_table).starts_with("corrupt doc: truncated"),
            "{}",
            err(&no_table)
        );
    }

    #[test]
    fn piece_tables_pointing_anywhere_are_safe() {
        // Pieces beyond the stream, overlapping or huge give what text is there, no panic.
        let mut plc = Vec::new();
        for cp in [0u32, 5, 0x3FFF_FFFF, 0x4000_0000] {
            plc.extend_from_slice(&cp.to_le_bytes());
        }
        for fc in [0xFFFF_FFF0u32, 0x4000_0000, 12] {
            let mut pcd = vec![0u8; 8];
            pcd[2..6].copy_from_slice(&fc.to_le_bytes());
            plc.extend_from_slice(&pcd);
        }
        let mut clx = vec![0x02];
        clx.extend_from_slice(&(plc.len() as u32).to_le_bytes());
        clx.extend_from_slice(&plc);
        let pieces = parse_clx(&clx).unwrap();
        let units = characters(&[0x41; 64], &pieces, usize::MAX, &Deadline::none()).unwrap();
        assert!(units.len() <= MAX_CHARS);
        assert!(parse_clx(&[0x01, 0xFF, 0xFF]).is_err());
        assert!(parse_clx(&[0x02, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
    }
}
