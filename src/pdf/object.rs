//! PDF objects (ISO 32000-1 7.3) as parsed, and their serialization.

/// A reference to an indirect object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ref {
    /// Object number.
    pub num: u32,
    /// Generation number.
    pub generation: u16,
}

/// A direct PDF object.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number, kept as written so it is re-serialized unchanged.
    Real(Vec<u8>),
    /// A name, `#xx` escapes decoded (without the leading slash).
    Name(Vec<u8>),
    /// A string (literal or hexadecimal), escapes decoded.
    Str(Vec<u8>),
    /// An array.
    Array(Vec<Object>),
    /// A dictionary.
    Dict(Dict),
    /// An indirect reference `n g R`.
    Ref(Ref),
}

impl Object {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The name bytes, if this is a name.
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The reference, if this is one.
    pub fn as_ref(&self) -> Option<Ref> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    /// The dictionary, if this is one.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The string bytes, if this is a string.
    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Appends the object's PDF syntax to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Object::Null => out.extend_from_slice(b"null"),
            Object::Bool(true) => out.extend_from_slice(b"true"),
            Object::Bool(false) => out.extend_from_slice(b"false"),
            Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
            Object::Real(raw) => out.extend_from_slice(raw),
            Object::Name(name) => write_name(out, name),
            Object::Str(s) => write_string(out, s),
            Object::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Object::Dict(dict) => dict.write(out),
            Object::Ref(r) => {
                out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes());
            }
        }
    }

    /// The object's PDF syntax.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }
}

/// A dictionary: keys (names without the slash) in their original order, unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl Dict {
    /// The value for `key`, if present.
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key` to `value`, replacing an existing entry in place or appending.
    pub fn set(&mut self, key: &[u8], value: Object) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key.to_vec(), value)),
        }
    }

    /// The value of `/Type`, if it is a name.
    pub fn type_name(&self) -> Option<&[u8]> {
        self.get(b"Type").and_then(Object::as_name)
    }

    /// Appends the dictionary's PDF syntax to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"<<");
        for (key, value) in &self.0 {
            write_name(out, key);
            out.push(b' ');
            value.write(out);
        }
        out.extend_from_slice(b">>");
    }
}

/// Whether `b` is PDF white space (7.2.2).
pub fn is_white(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Whether `b` is a PDF delimiter (7.2.2).
pub fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Writes `/name`, escaping every byte outside `!`..`~`, delimiters and `#` as `#xx`.
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if (b'!'..=b'~').contains(&b) && !is_delimiter(b) && b != b'#' {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// Writes a string: literal when every byte is printable ASCII, else hexadecimal.
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().all(|b| (b' '..=b'~').contains(b)) {
        write_literal_string(out, s);
    } else {
        write_hex_string(out, s);
    }
}

/// Writes a literal string, escaping `\`, parentheses and line-end bytes so the value
/// survives any reader's end-of-line normalization.
pub fn write_literal_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'(' => out.extend_from_slice(b"\\("),
            b')' => out.extend_from_slice(b"\\)"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// Writes a hexadecimal string `<...>` (uppercase digits).
pub fn write_hex_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'<');
    for b in s {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// A PDF text string (7.9.2.2): the bytes as they are when `text` is ASCII, otherwise
/// UTF-16BE with a byte order mark.
pub fn text_string(text: &str) -> Vec<u8> {
    if text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    let mut out = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}
