//! Reading a compact tree in place.
//!
//! The API follows `serde_json::Value`'s, so practice code reads the same
//! either way: `get`, `pointer`, `as_str`, `as_array`, `as_object`.

use std::fmt;

use crate::tag;

/// One node of a compact tree: a borrowed view of its bytes. Cheap to copy.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Node<'a> {
    /// Exactly this node's bytes, from its tag on.
    bytes: &'a [u8],
}

/// A node's value, for `match`: scalars read out, containers as views.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape<'a> {
    /// `null`, and anything a damaged tree holds where a node should be.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(&'a str),
    /// An array.
    Array(Array<'a>),
    /// An object.
    Object(Object<'a>),
}

/// A number as the tree holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// Any other number.
    Float(f64),
}

impl Number {
    /// The number, if it is an integer that fits `i64`.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(int) => Some(int),
            Number::UInt(_) | Number::Float(_) => None,
        }
    }

    /// The number, if it is a non-negative integer.
    pub fn as_u64(self) -> Option<u64> {
        match self {
            Number::Int(int) => u64::try_from(int).ok(),
            Number::UInt(uint) => Some(uint),
            Number::Float(_) => None,
        }
    }

    /// The number as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(int) => int as f64,
            Number::UInt(uint) => uint as f64,
            Number::Float(float) => float,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(int) => write!(f, "{int}"),
            Number::UInt(uint) => write!(f, "{uint}"),
            Number::Float(float) => match serde_json::Number::from_f64(*float) {
                Some(number) => write!(f, "{number}"),
                None => f.write_str("null"),
            },
        }
    }
}

/// An array node's items.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Array<'a> {
    count: u32,
    items: &'a [u8],
}

/// An object node's members, in source order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Object<'a> {
    count: u32,
    members: &'a [u8],
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let four = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(four.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let eight = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(eight.try_into().ok()?))
}

/// The byte length of the node that starts `bytes`, if it lies whole within
/// them. Constant time: containers carry their body's length.
pub(crate) fn extent(bytes: &[u8]) -> Option<usize> {
    let length = match *bytes.first()? {
        tag::NULL | tag::FALSE | tag::TRUE => 1,
        tag::INT | tag::UINT | tag::FLOAT => 9,
        tag::STRING => 5usize.checked_add(u32_at(bytes, 1)? as usize)?,
        tag::ARRAY | tag::OBJECT => 9usize.checked_add(u32_at(bytes, 5)? as usize)?,
        _ => return None,
    };
    (length <= bytes.len()).then_some(length)
}

/// Splits a `u32`-length-prefixed string off the front of `bytes`.
fn split_key(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = u32_at(bytes, 0)? as usize;
    let end = 4usize.checked_add(length)?;
    Some((bytes.get(4..end)?, bytes.get(end..)?))
}

/// Splits the node that starts `bytes` off the front of them.
fn split_node(bytes: &[u8]) -> Option<(Node<'_>, &[u8])> {
    let length = extent(bytes)?;
    let (node, rest) = bytes.split_at(length);
    Some((Node { bytes: node }, rest))
}

impl<'a> Node<'a> {
    /// The node that starts `bytes`, which the caller has checked holds
    /// exactly one whole node.
    pub(crate) fn at(bytes: &'a [u8]) -> Self {
        Node { bytes }
    }

    /// The node's value, for matching on its type.
    pub fn shape(self) -> Shape<'a> {
        let Some(&tag) = self.bytes.first() else { return Shape::Null };
        match tag {
            tag::FALSE => Shape::Bool(false),
            tag::TRUE => Shape::Bool(true),
            tag::INT | tag::UINT | tag::FLOAT => self.as_number().map_or(Shape::Null, Shape::Number),
            tag::STRING => self.as_str().map_or(Shape::Null, Shape::String),
            tag::ARRAY => self.as_array().map_or(Shape::Null, Shape::Array),
            tag::OBJECT => self.as_object().map_or(Shape::Null, Shape::Object),
            _ => Shape::Null,
        }
    }

    fn tag(self) -> u8 {
        self.bytes.first().copied().unwrap_or(tag::NULL)
    }

    /// Whether the node is `null`.
    pub fn is_null(self) -> bool {
        matches!(self.shape(), Shape::Null)
    }

    /// Whether the node is `true` or `false`.
    pub fn is_boolean(self) -> bool {
        matches!(self.tag(), tag::FALSE | tag::TRUE)
    }

    /// Whether the node is a number.
    pub fn is_number(self) -> bool {
        matches!(self.tag(), tag::INT | tag::UINT | tag::FLOAT)
    }

    /// Whether the node is a string.
    pub fn is_string(self) -> bool {
        self.as_str().is_some()
    }

    /// Whether the node is an array.
    pub fn is_array(self) -> bool {
        self.tag() == tag::ARRAY
    }

    /// Whether the node is an object.
    pub fn is_object(self) -> bool {
        self.tag() == tag::OBJECT
    }

    /// The boolean, if the node is one.
    pub fn as_bool(self) -> Option<bool> {
        match self.tag() {
            tag::FALSE => Some(false),
            tag::TRUE => Some(true),
            _ => None,
        }
    }

    /// The number, if the node is one.
    pub fn as_number(self) -> Option<Number> {
        let bits = u64_at(self.bytes, 1);
        match self.tag() {
            tag::INT => bits.map(|bits| Number::Int(bits as i64)),
            tag::UINT => bits.map(Number::UInt),
            tag::FLOAT => bits.map(|bits| Number::Float(f64::from_bits(bits))),
            _ => None,
        }
    }

    /// The number, if it is an integer that fits `i64`.
    pub fn as_i64(self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number, if it is a non-negative integer.
    pub fn as_u64(self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number as a float, if the node is a number.
    pub fn as_f64(self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The string, if the node is one.
    pub fn as_str(self) -> Option<&'a str> {
        if self.tag() != tag::STRING {
            return None;
        }
        let (text, _) = split_key(self.bytes.get(1..)?)?;
        std::str::from_utf8(text).ok()
    }

    /// The items, if the node is an array.
    pub fn as_array(self) -> Option<Array<'a>> {
        if self.tag() != tag::ARRAY {
            return None;
        }
        Some(Array { count: u32_at(self.bytes, 1)?, items: self.bytes.get(9..)? })
    }

    /// The members, if the node is an object.
    pub fn as_object(self) -> Option<Object<'a>> {
        if self.tag() != tag::OBJECT {
            return None;
        }
        Some(Object { count: u32_at(self.bytes, 1)?, members: self.bytes.get(9..)? })
    }

    /// The member `key` of an object, or the item at `index` of an array,
    /// as `serde_json::Value::get` finds them.
    pub fn get(self, index: impl Index) -> Option<Node<'a>> {
        index.index_into(self)
    }

    /// The node at an RFC 6901 JSON pointer below this one; `""` is this
    /// node itself.
    pub fn pointer(self, pointer: &str) -> Option<Node<'a>> {
        if pointer.is_empty() {
            return Some(self);
        }
        let tokens = pointer.strip_prefix('/')?;
        let mut node = self;
        for token in tokens.split('/') {
            let token = if token.contains('~') {
                std::borrow::Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                std::borrow::Cow::Borrowed(token)
            };
            node = match node.tag() {
                tag::OBJECT => node.as_object()?.get(&token)?,
                tag::ARRAY => node.as_array()?.get(parse_index(&token)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The node as a `serde_json::Value`, for code that needs to own it.
    pub fn to_value(self) -> serde_json::Value {
        use serde_json::Value;
        match self.shape() {
            Shape::Null => Value::Null,
            Shape::Bool(flag) => Value::Bool(flag),
            Shape::Number(Number::Int(int)) => Value::from(int),
            Shape::Number(Number::UInt(uint)) => Value::from(uint),
            Shape::Number(Number::Float(float)) => Value::from(float),
            Shape::String(text) => Value::String(text.to_owned()),
            Shape::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Shape::Object(members) => {
                Value::Object(members.iter().map(|(key, value)| (key.to_owned(), value.to_value())).collect())
            }
        }
    }

    /// Decodes the node into a type, borrowing strings from the tree where
    /// the type allows. Fields the type does not name are skipped without
    /// being read.
    pub fn deserialize<T: serde::Deserialize<'a>>(self) -> Result<T, crate::Error> {
        T::deserialize(self)
    }
}

/// An array index as RFC 6901 writes it: digits, no leading zero.
fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// What [`Node::get`] accepts: a key for objects, an index for arrays.
pub trait Index {
    /// The node this index selects in `node`, if any.
    fn index_into<'a>(&self, node: Node<'a>) -> Option<Node<'a>>;
}

impl Index for str {
    fn index_into<'a>(&self, node: Node<'a>) -> Option<Node<'a>> {
        node.as_object()?.get(self)
    }
}

impl Index for String {
    fn index_into<'a>(&self, node: Node<'a>) -> Option<Node<'a>> {
        node.as_object()?.get(self)
    }
}

impl Index for usize {
    fn index_into<'a>(&self, node: Node<'a>) -> Option<Node<'a>> {
        node.as_array()?.get(*self)
    }
}

impl<T: Index + ?Sized> Index for &T {
    fn index_into<'a>(&self, node: Node<'a>) -> Option<Node<'a>> {
        (**self).index_into(node)
    }
}

impl<'a> Array<'a> {
    /// How many items the array holds.
    pub fn len(self) -> usize {
        self.count as usize
    }

    /// Whether the array has no items.
    pub fn is_empty(self) -> bool {
        self.count == 0
    }

    /// The items in order.
    pub fn iter(self) -> ArrayIter<'a> {
        ArrayIter { remaining: self.count, bytes: self.items }
    }

    /// The item at `index`.
    pub fn get(self, index: usize) -> Option<Node<'a>> {
        self.iter().nth(index)
    }

    /// The first item.
    pub fn first(self) -> Option<Node<'a>> {
        self.iter().next()
    }
}

impl<'a> IntoIterator for Array<'a> {
    type Item = Node<'a>;
    type IntoIter = ArrayIter<'a>;

    fn into_iter(self) -> ArrayIter<'a> {
        self.iter()
    }
}

/// The items of an [`Array`]; see [`Array::iter`].
#[derive(Clone)]
pub struct ArrayIter<'a> {
    remaining: u32,
    bytes: &'a [u8],
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = Node<'a>;

    fn next(&mut self) -> Option<Node<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let Some((node, rest)) = split_node(self.bytes) else {
            self.remaining = 0;
            return None;
        };
        self.remaining -= 1;
        self.bytes = rest;
        Some(node)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
}

impl<'a> Object<'a> {
    /// How many members the object has.
    pub fn len(self) -> usize {
        self.count as usize
    }

    /// Whether the object has no members.
    pub fn is_empty(self) -> bool {
        self.count == 0
    }

    /// The members in source order, as (key, value).
    pub fn iter(self) -> ObjectIter<'a> {
        ObjectIter { remaining: self.count, bytes: self.members }
    }

    /// The value of member `key`. Compares bytes and steps over the values
    /// of other members without reading them.
    pub fn get(self, key: &str) -> Option<Node<'a>> {
        let mut bytes = self.members;
        for _ in 0..self.count {
            let (member_key, rest) = split_key(bytes)?;
            let (value, rest) = split_node(rest)?;
            if member_key == key.as_bytes() {
                return Some(value);
            }
            bytes = rest;
        }
        None
    }

    /// Whether the object has a member `key`.
    pub fn contains_key(self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The keys in source order.
    pub fn keys(self) -> impl Iterator<Item = &'a str> {
        self.iter().map(|(key, _)| key)
    }

    /// The values in source order.
    pub fn values(self) -> impl Iterator<Item = Node<'a>> {
        self.iter().map(|(_, value)| value)
    }
}

impl<'a> IntoIterator for Object<'a> {
    type Item = (&'a str, Node<'a>);
    type IntoIter = ObjectIter<'a>;

    fn into_iter(self) -> ObjectIter<'a> {
        self.iter()
    }
}

/// The members of an [`Object`]; see [`Object::iter`].
#[derive(Clone)]
pub struct ObjectIter<'a> {
    remaining: u32,
    bytes: &'a [u8],
}

impl<'a> ObjectIter<'a> {
    fn member(&mut self) -> Option<(&'a str, Node<'a>)> {
        let (key, rest) = split_key(self.bytes)?;
        let (value, rest) = split_node(rest)?;
        self.bytes = rest;
        Some((std::str::from_utf8(key).ok()?, value))
    }
}

impl<'a> Iterator for ObjectIter<'a> {
    type Item = (&'a str, Node<'a>);

    fn next(&mut self) -> Option<(&'a str, Node<'a>)> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let member = self.member();
        if member.is_none() {
            self.remaining = 0;
        }
        member
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining as usize))
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Debug for Array<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Debug for Object<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
