//! What a PDF may cost, checked before the text extractor sees it.
//!
//! `pdf-extract` (on `lopdf`) inflates streams without a limit, recurses into Form XObjects
//! without a depth bound (a form that draws itself overflows the stack), follows a page's
//! `Parent` chain without a loop check, and parses a whole content stream into memory before
//! drawing it. None of this can be configured, so the document is measured first:
//!
//! - **Cross-reference and object streams** are inflated by `lopdf` while the file loads:
//!   [`load`] measures the first in the file's bytes and each of the second in a load filter,
//!   under caps, and refuses the document past them.
//! - **Every other stream** the extractor may inflate (page contents, forms, fonts, CMaps) is
//!   inflated here under a cap, every filter of a chain in turn, all of them together under
//!   [`package::MAX_UNPACKED`]. Images are emptied instead: the extractor has no use for their
//!   pixels (it would parse them as drawing operations).
//! - **Forms** are followed from every page as the extractor follows them (a form without
//!   resources uses its caller's): a form drawn inside itself, forms nested deeper than
//!   [`MAX_FORM_DEPTH`], and content whose drawing operations — counted once per time a form
//!   is drawn — pass [`MAX_OPERATIONS`] are refused, as is one content stream of more than
//!   [`MAX_STREAM_OPERATIONS`] (the extractor holds its operations in memory at once).
//!
//! The deadline is checked throughout.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::Read;

use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

use super::{package, Deadline};
use crate::ingest::decode::Unreadable;

/// Deepest nesting of forms drawn inside forms (real documents stay under four).
pub const MAX_FORM_DEPTH: usize = 12;
/// Most drawing operations and operands in one page's content or one form: the extractor
/// parses them all into memory before drawing (some 100 bytes each). A dense page of text has
/// tens of thousands.
pub const MAX_STREAM_OPERATIONS: u64 = 1_000_000;
/// Most drawing operations and operands of a whole document, a form counted each time it is
/// drawn (the extractor's time, which it does not bound itself).
pub const MAX_OPERATIONS: u64 = 10_000_000;
/// Most bytes of object streams inflated while the document loads (they are parsed into
/// objects at once, held for the whole read).
pub const MAX_OBJECT_STREAMS: u64 = 64 << 20;
/// Most links followed from a page's `Parent` to find its inherited resources.
const MAX_PARENTS: usize = 64;

/// Key set on an object stream the load filter refused.
const REFUSED: &[u8] = b"ZhsearchRefused";

thread_local! {
    /// Object stream bytes the load filter may still inflate on this thread.
    static OBJECT_STREAMS_LEFT: Cell<u64> = const { Cell::new(0) };
}

/// Too many drawing operations (or operands).
fn too_many_operations() -> Unreadable {
    Unreadable::corrupt("pdf", "too many drawing operations")
}

/// Most bytes of cross-reference streams, all together (7 bytes or so an object: millions of
/// objects).
pub const MAX_XREF_STREAMS: u64 = 64 << 20;

/// Loads a document from `bytes`, its object streams inflated under [`MAX_OBJECT_STREAMS`] and
/// its cross-reference streams under [`MAX_XREF_STREAMS`].
pub fn load(bytes: &[u8]) -> Result<Document, Unreadable> {
    if xref_streams_len(bytes, MAX_XREF_STREAMS).is_err() {
        return Err(Unreadable::TooLarge);
    }
    OBJECT_STREAMS_LEFT.with(|left| left.set(MAX_OBJECT_STREAMS));
    let options = pdf_extract::LoadOptions {
        filter: Some(bound_object_stream),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        pdf_extract::Error::InvalidPassword | pdf_extract::Error::Decryption(_) => {
            Unreadable::Encrypted
        }
        e => Unreadable::corrupt("pdf", e),
    })?;
    let refused = doc.objects.values().any(|o| match o {
        Object::Stream(s) => s.dict.has(REFUSED),
        _ => false,
    });
    if refused {
        return Err(Unreadable::TooLarge);
    }
    Ok(doc)
}

/// How many bytes the cross-reference streams of a file inflate to, within `limit`. `lopdf`
/// inflates them while it looks for the objects, before any filter sees them, so they are
/// found in the bytes: the data of each stream whose dictionary says `/XRef` (its `stream`
/// keyword to the next `endstream`), inflated as Flate data.
fn xref_streams_len(bytes: &[u8], limit: u64) -> Result<u64, Over> {
    let find = |from: usize, what: &[u8]| {
        bytes
            .get(from..)
            .and_then(|rest| rest.windows(what.len()).position(|w| w == what))
            .map(|p| from + p)
    };
    let mut total = 0u64;
    let mut at = 0;
    while let Some(found) = find(at, b"/XRef") {
        at = found + 5;
        // Not `/XRefStm`, the trailer's pointer to one.
        if bytes.get(at).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let Some(keyword) = find(at, b"stream") else {
            break;
        };
        let mut start = keyword + 6;
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let end = find(start, b"endstream").unwrap_or(bytes.len());
        total += inflated_len(&bytes[start..end], limit - total)?;
        at = end;
    }
    Ok(total)
}

/// The load filter: an object stream that would inflate past what is left of
/// [`MAX_OBJECT_STREAMS`] is emptied and marked (so that `lopdf` keeps it as a plain stream)
/// before `lopdf` inflates it.
fn bound_object_stream(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        if stream.dict.has_type(b"ObjStm") {
            let left = OBJECT_STREAMS_LEFT.with(Cell::get);
            match decoded_len(stream, left) {
                Ok(len) => OBJECT_STREAMS_LEFT.with(|l| l.set(left - len)),
                Err(Over) => {
                    stream.set_content(Vec::new());
                    stream.dict.remove(b"Filter");
                    stream.dict.remove(b"Type");
                    stream.dict.set(REFUSED, true);
                }
            }
        }
    }
    // `lopdf` keeps the object it passed for a top-level object (which a stream always is)
    // and the one returned for an object inside an object stream.
    match object {
        Object::Stream(_) => Some((id, Object::Null)),
        _ => Some((id, object.clone())),
    }
}

/// A stream's content as the extractor would read it.
enum Decoded {
    /// Inflated through all its filters.
    Bytes(Vec<u8>),
    /// A filter `lopdf` does not decode (images' DCT, JBIG2…): the extractor takes the
    /// stored bytes.
    Raw,
}

/// A stream would inflate past its limit.
#[derive(Debug)]
struct Over;

/// Decodes `stream` through its filters in order as `lopdf` does, never producing more than
/// `limit` bytes at any step.
fn decode(stream: &Stream, limit: u64) -> Result<Decoded, Over> {
    decode_into(stream, limit, true).map(|(decoded, _)| decoded)
}

/// How many bytes `stream` decodes to (0 for one the extractor takes as stored), within
/// `limit`: the last filter's output is counted, not kept.
fn decoded_len(stream: &Stream, limit: u64) -> Result<u64, Over> {
    decode_into(stream, limit, false).map(|(_, len)| len)
}

/// [`decode`], keeping the last filter's output or only counting it.
fn decode_into(stream: &Stream, limit: u64, keep: bool) -> Result<(Decoded, u64), Over> {
    let Ok(filters) = stream.filters() else {
        return if stream.content.len() as u64 > limit {
            Err(Over)
        } else {
            Ok((Decoded::Raw, 0))
        };
    };
    let last = filters.len().saturating_sub(1);
    let mut data: Option<Vec<u8>> = None;
    let mut len = 0u64;
    for (i, filter) in filters.into_iter().enumerate() {
        let input = data.as_deref().unwrap_or(&stream.content);
        if i == last && !keep && filter == b"FlateDecode" {
            return Ok((Decoded::Raw, inflated_len(input, limit)?));
        }
        let output = match filter {
            b"FlateDecode" => inflate(input, limit)?,
            b"LZWDecode" => lzw(input, limit, early_change(stream))?,
            b"ASCII85Decode" => ascii85(input, limit)?,
            _ => return Ok((Decoded::Raw, 0)),
        };
        len = output.len() as u64;
        data = Some(output);
    }
    match data {
        Some(bytes) => Ok((Decoded::Bytes(bytes), len)),
        None if stream.content.len() as u64 > limit => Err(Over),
        None => Ok((Decoded::Raw, 0)),
    }
}

/// How many bytes zlib data inflates to, within `limit`.
fn inflated_len(input: &[u8], limit: u64) -> Result<u64, Over> {
    let mut inflater = flate2::read::ZlibDecoder::new(input).take(limit.saturating_add(1));
    let mut chunk = vec![0u8; 64 << 10];
    let mut len = 0u64;
    loop {
        match inflater.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n as u64,
        }
        if len > limit {
            return Err(Over);
        }
    }
    Ok(len)
}

/// Inflates zlib data (what a broken stream yields before its fault, as `lopdf` keeps).
fn inflate(input: &[u8], limit: u64) -> Result<Vec<u8>, Over> {
    let mut out = Vec::new();
    let mut inflater = flate2::read::ZlibDecoder::new(input).take(limit.saturating_add(1));
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        match inflater.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
        if out.len() as u64 > limit {
            return Err(Over);
        }
    }
    Ok(out)
}

/// `/EarlyChange` of an LZW stream (1 unless set to 0).
fn early_change(stream: &Stream) -> bool {
    stream
        .dict
        .get(b"DecodeParms")
        .and_then(Object::as_dict)
        .and_then(|p| p.get(b"EarlyChange"))
        .and_then(Object::as_i64)
        .map_or(true, |v| v != 0)
}

/// Decodes LZW data (PDF's variant: codes of 9 to 12 bits, most significant bit first, 256
/// clears the table, 257 ends).
fn lzw(input: &[u8], limit: u64, early: bool) -> Result<Vec<u8>, Over> {
    const CLEAR: usize = 256;
    const END: usize = 257;
    // Each entry: (its prefix entry, its last byte, its length).
    let mut table: Vec<(u16, u8, u32)> = Vec::with_capacity(4096);
    let reset = |table: &mut Vec<(u16, u8, u32)>| {
        table.clear();
        table.extend((0..=255u16).map(|b| (u16::MAX, b as u8, 1)));
        table.push((u16::MAX, 0, 0));
        table.push((u16::MAX, 0, 0));
    };
    reset(&mut table);
    let mut out: Vec<u8> = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut width = 9u32;
    let mut previous: Option<usize> = None;
    let mut string = Vec::new();
    let expand = |table: &[(u16, u8, u32)], mut code: usize, string: &mut Vec<u8>| {
        string.clear();
        while code != u16::MAX as usize && code < table.len() && string.len() < 4096 {
            let (prefix, byte, _) = table[code];
            string.push(byte);
            code = prefix as usize;
        }
        string.reverse();
    };
    for &byte in input {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= width {
            let code = ((acc >> (bits - width)) & ((1 << width) - 1)) as usize;
            bits -= width;
            if code == CLEAR {
                reset(&mut table);
                width = 9;
                previous = None;
                continue;
            }
            if code == END {
                return Ok(out);
            }
            match previous {
                None => expand(&table, code, &mut string),
                Some(p) => {
                    if code < table.len() {
                        expand(&table, code, &mut string);
                        let first = string.first().copied().unwrap_or(0);
                        if table.len() < 4096 {
                            let len = table[p].2 + 1;
                            table.push((p as u16, first, len));
                        }
                    } else {
                        expand(&table, p, &mut string);
                        let first = string.first().copied().unwrap_or(0);
                        string.push(first);
                        if table.len() < 4096 {
                            let len = table[p].2 + 1;
                            table.push((p as u16, first, len));
                        }
                    }
                }
            }
            if out.len() as u64 + string.len() as u64 > limit {
                return Err(Over);
            }
            out.extend_from_slice(&string);
            previous = Some(code.min(table.len() - 1));
            let next = table.len() + usize::from(early);
            width = if next >= 2048 {
                12
            } else if next >= 1024 {
                11
            } else if next >= 512 {
                10
            } else {
                9
            };
        }
    }
    Ok(out)
}

/// Decodes ASCII85 data (`z` is four zero bytes, `~>` ends).
fn ascii85(input: &[u8], limit: u64) -> Result<Vec<u8>, Over> {
    let mut out = Vec::new();
    let mut group = [0u8; 5];
    let mut n = 0;
    let flush = |group: &[u8; 5], n: usize, out: &mut Vec<u8>| {
        // A short group is padded with the highest digit.
        let value = (0..5).fold(0u64, |value, i| {
            let digit = if i < n { group[i] } else { 84 };
            value * 85 + u64::from(digit)
        });
        let bytes = (value as u32).to_be_bytes();
        out.extend_from_slice(&bytes[..n.saturating_sub(1)]);
    };
    for &c in input {
        match c {
            b'~' => break,
            b'z' if n == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[n] = c - b'!';
                n += 1;
                if n == 5 {
                    flush(&group, 5, &mut out);
                    n = 0;
                }
            }
            _ => {}
        }
        if out.len() as u64 > limit {
            return Err(Over);
        }
    }
    if n > 1 {
        flush(&group, n, &mut out);
    }
    if out.len() as u64 > limit {
        return Err(Over);
    }
    Ok(out)
}

/// What a content stream draws: its operations and the XObjects it draws by name.
#[derive(Debug, Default, PartialEq)]
struct Scan {
    /// Operations and their operands (each a value in memory once parsed).
    operations: u64,
    /// Each XObject name drawn (`/Fx Do`), with how many times.
    drawn: Vec<(Vec<u8>, u64)>,
}

/// Whitespace in PDF syntax.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// A PDF delimiter.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Counts the operations (with their operands) of content stream bytes and the XObjects they
/// draw, stopping once past `limit` (a rough lexer: it may count more than the parser finds,
/// never fewer).
fn scan(content: &[u8], limit: u64, deadline: &Deadline) -> Result<Scan, Unreadable> {
    let mut out = Scan::default();
    let mut drawn: HashMap<&[u8], u64> = HashMap::new();
    let mut last_name: Option<&[u8]> = None;
    let mut i = 0;
    let n = content.len();
    let regular_end = |from: usize| {
        content[from..]
            .iter()
            .position(|&b| is_space(b) || is_delimiter(b))
            .map_or(n, |p| from + p)
    };
    while i < n {
        let c = content[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        if c == b'%' {
            i = content[i..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(n, |p| i + p);
            continue;
        }
        // Every token is an object in the parsed content: an operation or an operand.
        out.operations += 1;
        if out.operations % 65_536 == 0 {
            deadline.check()?;
        }
        if out.operations > limit {
            return Ok(out);
        }
        match c {
            b'(' => {
                let mut depth = 0usize;
                while i < n {
                    match content[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                last_name = None;
            }
            b'<' if content.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                i = content[i..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(n, |p| i + p + 1);
                last_name = None;
            }
            b'/' => {
                let end = regular_end(i + 1);
                last_name = Some(&content[i + 1..end]);
                i = end;
            }
            c if is_delimiter(c) => {
                i += 1;
                last_name = None;
            }
            c => {
                let end = regular_end(i);
                let word = &content[i..end];
                i = end;
                if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
                    last_name = None;
                    continue;
                }
                if matches!(word, b"true" | b"false" | b"null") {
                    last_name = None;
                    continue;
                }
                if word == b"Do" {
                    if let Some(name) = last_name {
                        *drawn.entry(name).or_default() += 1;
                    }
                } else if word == b"BI" {
                    // An inline image: its data runs from `ID` to `EI` between spaces.
                    let data = content[i..]
                        .windows(3)
                        .position(|w| w[0..2] == *b"ID" && is_space(w[2]))
                        .map_or(n, |p| i + p + 3);
                    i = content[data..]
                        .windows(4)
                        .position(|w| is_space(w[0]) && w[1..3] == *b"EI" && is_space(w[3]))
                        .map_or(n, |p| data + p + 3);
                }
                last_name = None;
            }
        }
    }
    out.drawn = drawn.into_iter().map(|(k, v)| (k.to_vec(), v)).collect();
    out.drawn.sort();
    Ok(out)
}

/// Measures `doc` as the module's documentation says, emptying its images; `Err` with the
/// reason to skip it when it costs too much.
pub fn check(
    doc: &mut Document,
    pages: &std::collections::BTreeMap<u32, ObjectId>,
    deadline: &Deadline,
) -> Result<(), Unreadable> {
    empty_images(doc, deadline)?;
    measure_streams(doc, deadline)?;
    Walk::new(doc, deadline).pages(pages)
}

/// Whether a stream is an image.
fn is_image(stream: &Stream) -> bool {
    stream
        .dict
        .get(b"Subtype")
        .and_then(Object::as_name)
        .is_ok_and(|s| s == b"Image")
}

/// Empties every image stream: the extractor would inflate it and parse the pixels as drawing
/// operations when a page draws it.
fn empty_images(doc: &mut Document, deadline: &Deadline) -> Result<(), Unreadable> {
    for (n, object) in doc.objects.values_mut().enumerate() {
        if n % 4096 == 0 {
            deadline.check()?;
        }
        if let Object::Stream(stream) = object {
            if is_image(stream) {
                stream.set_content(Vec::new());
                stream.dict.remove(b"Filter");
                stream.dict.remove(b"DecodeParms");
            }
        }
    }
    Ok(())
}

/// Inflates every stream under [`package::MAX_UNPACKED`] in all.
fn measure_streams(doc: &Document, deadline: &Deadline) -> Result<(), Unreadable> {
    let mut left = package::MAX_UNPACKED;
    for object in doc.objects.values() {
        deadline.check()?;
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.filters().is_err() {
            continue;
        }
        match decoded_len(stream, left) {
            Ok(len) => left -= len,
            Err(Over) => return Err(Unreadable::TooLarge),
        }
    }
    Ok(())
}

/// The forms of a document followed from its pages.
struct Walk<'d> {
    doc: &'d Document,
    deadline: &'d Deadline,
    /// Each form's scan, by object.
    scans: HashMap<ObjectId, Scan>,
    /// Operations drawing a form costs with what it draws, by form and the resources its
    /// names are looked up in.
    costs: HashMap<(ObjectId, *const Dictionary), u64>,
    /// The forms being drawn, outermost first.
    stack: Vec<ObjectId>,
    /// Operations of the document so far.
    operations: u64,
}

impl<'d> Walk<'d> {
    fn new(doc: &'d Document, deadline: &'d Deadline) -> Self {
        Walk {
            doc,
            deadline,
            scans: HashMap::new(),
            costs: HashMap::new(),
            stack: Vec::new(),
            operations: 0,
        }
    }

    fn pages(
        &mut self,
        pages: &std::collections::BTreeMap<u32, ObjectId>,
    ) -> Result<(), Unreadable> {
        for &page in pages.values() {
            self.deadline.check()?;
            let Ok(dict) = self.doc.get_dictionary(page) else {
                continue;
            };
            let resources = self.inherited_resources(dict)?;
            let mut content = Vec::new();
            for id in self.doc.get_page_contents(page) {
                if let Ok(stream) = self.doc.get_object(id).and_then(Object::as_stream) {
                    match decode(stream, package::MAX_UNPACKED) {
                        Ok(Decoded::Bytes(bytes)) => content.extend_from_slice(&bytes),
                        Ok(Decoded::Raw) => content.extend_from_slice(&stream.content),
                        Err(Over) => return Err(Unreadable::TooLarge),
                    }
                    content.push(b'\n');
                }
            }
            let scan = scan(&content, MAX_STREAM_OPERATIONS, self.deadline)?;
            drop(content);
            let cost = self.draws(&scan, resources)?;
            self.add(cost)?;
        }
        Ok(())
    }

    /// Counts `cost` more operations for the document.
    fn add(&mut self, cost: u64) -> Result<(), Unreadable> {
        self.operations = self.operations.saturating_add(cost);
        if self.operations > MAX_OPERATIONS {
            return Err(too_many_operations());
        }
        Ok(())
    }

    /// A page's resources, inherited from its ancestors as the extractor finds them (the first
    /// with a `Resources` entry). The extractor follows `Parent` links for inherited entries
    /// without a loop check, so a chain that loops (or goes on for ever) is a corrupt document.
    fn inherited_resources(
        &self,
        page: &'d Dictionary,
    ) -> Result<Option<&'d Dictionary>, Unreadable> {
        let mut node = page;
        let mut seen = HashSet::new();
        let mut resources = None;
        for _ in 0..MAX_PARENTS {
            if resources.is_none() {
                resources = node
                    .get(b"Resources")
                    .ok()
                    .and_then(|r| self.deref(r).as_dict().ok());
            }
            let Ok(id) = node.get(b"Parent").and_then(Object::as_reference) else {
                return Ok(resources);
            };
            if !seen.insert(id) {
                break;
            }
            let Ok(parent) = self.doc.get_dictionary(id) else {
                return Ok(resources);
            };
            node = parent;
        }
        Err(Unreadable::corrupt("pdf", "the page tree loops"))
    }

    /// The object a reference points to (one link, as the extractor follows them).
    fn deref(&self, object: &'d Object) -> &'d Object {
        match object {
            Object::Reference(id) => self.doc.get_object(*id).unwrap_or(object),
            _ => object,
        }
    }

    /// Operations of content that scanned as `scan`, with the forms it draws looked up in
    /// `resources`.
    fn draws(&mut self, scan: &Scan, resources: Option<&'d Dictionary>) -> Result<u64, Unreadable> {
        if scan.operations > MAX_STREAM_OPERATIONS {
            return Err(too_many_operations());
        }
        let mut cost = scan.operations;
        if scan.drawn.is_empty() {
            return Ok(cost);
        }
        let xobjects = resources
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| self.deref(x).as_dict().ok());
        for (name, times) in &scan.drawn {
            self.deadline.check()?;
            let Some(id) = xobjects
                .and_then(|x| x.get(name).ok())
                .and_then(|o| o.as_reference().ok())
            else {
                continue;
            };
            let Ok(stream) = self.doc.get_object(id).and_then(Object::as_stream) else {
                continue;
            };
            if is_image(stream) {
                continue;
            }
            let form_resources = stream
                .dict
                .get(b"Resources")
                .map(|r| self.deref(r))
                .ok()
                .and_then(|r| r.as_dict().ok())
                .or(resources);
            let one = self.form(id, stream, form_resources)?;
            cost = cost.saturating_add(one.saturating_mul(*times));
            if cost > MAX_OPERATIONS {
                return Err(too_many_operations());
            }
        }
        Ok(cost)
    }

    /// Operations of drawing form `id` once, with what it draws.
    fn form(
        &mut self,
        id: ObjectId,
        stream: &'d Stream,
        resources: Option<&'d Dictionary>,
    ) -> Result<u64, Unreadable> {
        let key = (id, resources.map_or(std::ptr::null(), |r| r as *const _));
        if let Some(&cost) = self.costs.get(&key) {
            return Ok(cost);
        }
        if self.stack.contains(&id) {
            return Err(Unreadable::corrupt("pdf", "a form draws itself"));
        }
        if self.stack.len() >= MAX_FORM_DEPTH {
            return Err(Unreadable::corrupt("pdf", "nested forms too deep"));
        }
        let scan = match self.scans.remove(&id) {
            Some(scan) => scan,
            None => {
                let bytes = match decode(stream, package::MAX_UNPACKED) {
                    Ok(Decoded::Bytes(bytes)) => std::borrow::Cow::Owned(bytes),
                    Ok(Decoded::Raw) => std::borrow::Cow::Borrowed(stream.content.as_slice()),
                    Err(Over) => return Err(Unreadable::TooLarge),
                };
                scan(&bytes, MAX_STREAM_OPERATIONS, self.deadline)?
            }
        };
        self.stack.push(id);
        let cost = self.draws(&scan, resources);
        self.stack.pop();
        self.scans.insert(id, scan);
        let cost = cost?;
        self.costs.insert(key, cost);
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_scanned_for_operations_and_forms() {
        let content =
            b"BT /F1 12 Tf (a (nested) \\) string) Tj [(x) -5 (y)] TJ ET q /Fx Do Q /Fx Do\n\
              % a comment Do\n<< /A 1 >> BDC EMC BI /W 1 ID \x00Do\x01 EI /Im Do";
        let s = scan(content, u64::MAX, &Deadline::none()).unwrap();
        assert_eq!(s.operations, 29, "{s:?}");
        assert_eq!(s.drawn, vec![(b"Fx".to_vec(), 2), (b"Im".to_vec(), 1)]);
    }

    #[test]
    fn cross_reference_streams_are_measured_in_the_bytes() {
        let data = {
            use std::io::Write;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&[0u8; 10_000]).unwrap();
            z.finish().unwrap()
        };
        let mut file = b"%PDF-1.5\n5 0 obj\n<< /Type /XRef /Length 9 >>\nstream\r\n".to_vec();
        file.extend_from_slice(&data);
        file.extend_from_slice(b"\nendstream\nendobj\n");
        let twice = [file.clone(), b"trailer << /XRefStm 9 >>".to_vec(), file].concat();
        assert_eq!(xref_streams_len(&twice, 20_000).unwrap(), 20_000);
        assert!(xref_streams_len(&twice, 19_999).is_err());
        assert_eq!(xref_streams_len(b"%PDF-1.4 no streams", 0).unwrap(), 0);
    }

    #[test]
    fn filters_decode_under_their_limit() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 100_000]).unwrap();
        let zipped = z.finish().unwrap();
        assert_eq!(inflate(&zipped, 100_000).unwrap().len(), 100_000);
        assert!(inflate(&zipped, 99_999).is_err());
        assert_eq!(ascii85(b"9jqo^zBlbD-~>", 100).unwrap(), b"Man \0\0\0\0is d");
        assert!(ascii85(b"zzzz", 15).is_err());
        // "-----A---B" in LZW from the PDF reference's example.
        let lzw_bytes = [0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01];
        assert_eq!(lzw(&lzw_bytes, 100, true).unwrap(), b"-----A---B");
        assert!(lzw(&lzw_bytes, 5, true).is_err());
    }
}
