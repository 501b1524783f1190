//! Parses YAML from outside (request bodies, values, chart files, repository indexes) within a
//! budget, so that anchors and aliases cannot multiply a small text into gigabytes.
//!
//! YAML lets a document name a node (`&a`) and repeat it (`*a`); nesting repetitions makes a few
//! hundred bytes stand for billions of nodes (the "billion laughs"). The parser counts what each
//! node would cost in memory as it builds the value and stops as soon as the count passes the
//! budget, so the work done for a hostile text is bounded by the budget, not by its expansion.
//!
//! ```
//! use wheelhouse_model::yaml::{self, Budget, Error};
//!
//! let value = yaml::parse("a: &x [1, 2]\nb: *x\n").expect("small and honest");
//! assert_eq!(value["b"][1], 2);
//!
//! let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
//! for (name, previous) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"]) {
//!     bomb.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
//! }
//! assert!(matches!(yaml::parse(&bomb), Err(Error::YamlTooLarge { .. })));
//!
//! // Several documents of one body share one budget.
//! let mut budget = Budget::for_input(100);
//! assert!(yaml::parse_within("a: 1", &mut budget).is_ok());
//! ```

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};
use serde_json::{Map, Number, Value};

/// What one node costs before its text: about the size of a `serde_json::Value` and its slot.
const NODE_COST: usize = 32;
/// How much a text may grow when it becomes values. Plain YAML costs at most about 17 times its
/// length (`[a,a,…]`: two bytes per node); the rest is room for honest use of aliases.
const GROWTH: usize = 64;
/// What every text may cost whatever its length, so that short documents may use a few aliases.
const FLOOR: usize = 4 * 1024 * 1024;
/// Deeper documents are refused (serde_yaml stops at 128 on its own; this says so clearly).
const MAX_DEPTH: usize = 100;

pub use crate::error::{Error, Result};

/// How much parsing may cost, in approximate bytes of memory of the values built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    limit: usize,
    remaining: usize,
}

impl Budget {
    /// The budget for a text of `bytes` bytes: 64 times its length plus 4 MiB.
    pub fn for_input(bytes: usize) -> Self {
        Self::bytes(bytes.saturating_mul(GROWTH).saturating_add(FLOOR))
    }

    /// A budget of exactly `limit` bytes.
    pub fn bytes(limit: usize) -> Self {
        Self {
            limit,
            remaining: limit,
        }
    }

    /// What is left of it.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

/// Parses one YAML document (an empty text is `null`) within [`Budget::for_input`].
pub fn parse(text: &str) -> Result<Value> {
    parse_within(text, &mut Budget::for_input(text.len()))
}

/// Parses one YAML document, taking its cost from `budget` (shared by the documents of a body).
pub fn parse_within(text: &str, budget: &mut Budget) -> Result<Value> {
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let value = match documents.next() {
        Some(document) => build(document, budget)?,
        None => Value::Null,
    };
    if documents.next().is_some() {
        return Err(Error::Syntax {
            message: "the text holds more than one YAML document; send one".into(),
            line: None,
            column: None,
        });
    }
    Ok(value)
}

/// Parses every document of a multi-document text (`---` between them) within one budget.
pub fn parse_documents(text: &str) -> Result<Vec<Value>> {
    documents(text).collect()
}

/// Each document of a multi-document text in turn, all within one budget: a document that does
/// not parse is an error of its own, and once the budget is spent every later one is too.
pub fn documents(text: &str) -> impl Iterator<Item = Result<Value>> + '_ {
    let mut budget = Budget::for_input(text.len());
    serde_yaml::Deserializer::from_str(text).map(move |document| build(document, &mut budget))
}

/// One document of a multi-document body and the 1-based line of the body where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbered {
    pub line: usize,
    pub value: Value,
}

/// A document of a body that did not parse: which (1-based), the line it starts on, and why.
#[derive(Debug)]
pub struct InDocument {
    pub document: usize,
    pub first_line: usize,
    pub error: Error,
}

/// Splits a body on `---` lines (a separator may carry a comment) and parses each document
/// within one budget for the whole body, so many small documents cannot add up to a bomb
/// either; empty documents (`null`) are left out. Unlike [`documents`], each keeps the line it
/// starts on, so an error can point into the body the person sent.
pub fn numbered_documents(text: &str) -> std::result::Result<Vec<Numbered>, InDocument> {
    let mut chunks: Vec<(usize, String)> = vec![(1, String::new())];
    for (index, line) in text.lines().enumerate() {
        let rest = line.strip_prefix("---").map(str::trim);
        if rest.is_some_and(|r| r.is_empty() || r.starts_with('#')) {
            chunks.push((index + 2, String::new()));
        } else if let Some((_, chunk)) = chunks.last_mut() {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    let mut budget = Budget::for_input(text.len());
    let mut out = Vec::new();
    for (number, (line, chunk)) in chunks.into_iter().enumerate() {
        match parse_within(&chunk, &mut budget) {
            Ok(Value::Null) => {}
            Ok(value) => out.push(Numbered { line, value }),
            Err(error) => {
                return Err(InDocument {
                    document: number + 1,
                    first_line: line,
                    error,
                });
            }
        }
    }
    Ok(out)
}

/// Parses one document within budget into `T`.
///
/// `T` reads the text itself, not a JSON value of it: a plain scalar such as `1.10` or a hex
/// digest is a string to a `String` field, as it always is to serde_yaml, where a JSON value
/// would have made it a number first. A text with `&` or `*` may have anchors and aliases, so its
/// expansion is measured within the budget first; only then is it read into `T`.
pub fn parse_as<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut budget = Budget::for_input(text.len());
    if text.contains(['&', '*']) {
        parse_within(text, &mut budget)?;
    }
    serde_yaml::from_str(text).map_err(|error| error_of(&error, budget.limit))
}

/// A serde_yaml error as ours. serde_yaml has limits of its own (aliases replayed more than 100
/// times its events, 128 levels); they mean the same as ours, so they are said the same way.
fn error_of(error: &serde_yaml::Error, limit: usize) -> Error {
    let message = error.to_string();
    if message.starts_with("repetition limit exceeded") {
        return Error::YamlTooLarge { limit };
    }
    if message.starts_with("recursion limit exceeded") {
        return Error::YamlTooDeep { limit: MAX_DEPTH };
    }
    let location = error.location();
    Error::Syntax {
        message,
        line: location.as_ref().map(serde_yaml::Location::line),
        column: location.as_ref().map(serde_yaml::Location::column),
    }
}

/// Why the builder stopped, kept beside serde's error (which carries only text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    TooLarge,
    TooDeep,
}

/// The shared state of one build: what is left and why it stopped, if it did.
struct Meter {
    remaining: Cell<usize>,
    stop: Cell<Option<Stop>>,
}

impl Meter {
    fn charge<E: de::Error>(&self, cost: usize) -> Result<(), E> {
        match self.remaining.get().checked_sub(cost) {
            Some(left) => {
                self.remaining.set(left);
                Ok(())
            }
            None => {
                self.stop.set(Some(Stop::TooLarge));
                Err(E::custom("the YAML expands beyond its budget"))
            }
        }
    }
}

fn build(document: serde_yaml::Deserializer<'_>, budget: &mut Budget) -> Result<Value> {
    let meter = Meter {
        remaining: Cell::new(budget.remaining),
        stop: Cell::new(None),
    };
    let built = Node {
        meter: &meter,
        depth: 0,
    }
    .deserialize(document);
    budget.remaining = meter.remaining.get();
    match (built, meter.stop.get()) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(Stop::TooLarge)) => Err(Error::YamlTooLarge {
            limit: budget.limit,
        }),
        (Err(_), Some(Stop::TooDeep)) => Err(Error::YamlTooDeep { limit: MAX_DEPTH }),
        (Err(error), None) => Err(error_of(&error, budget.limit)),
    }
}

/// Builds one node (and what is below it) as a `serde_json::Value`, charging the meter first.
#[derive(Clone, Copy)]
struct Node<'m> {
    meter: &'m Meter,
    depth: usize,
}

impl<'m> Node<'m> {
    fn child<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_DEPTH {
            self.meter.stop.set(Some(Stop::TooDeep));
            return Err(E::custom("the YAML is nested too deeply"));
        }
        Ok(Self {
            meter: self.meter,
            depth: self.depth + 1,
        })
    }

    fn scalar<E: de::Error>(self, value: Value) -> Result<Value, E> {
        self.meter.charge(NODE_COST)?;
        Ok(value)
    }

    fn text<E: de::Error>(self, text: &str) -> Result<Value, E> {
        self.meter.charge(NODE_COST.saturating_add(text.len()))?;
        Ok(Value::String(text.to_owned()))
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        self.scalar(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        self.scalar(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        self.scalar(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity: like serde_json's own Value, they become null.
        self.scalar(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        self.text(value)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.scalar(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.scalar(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.meter.charge(NODE_COST)?;
        let child = self.child()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.meter.charge(NODE_COST)?;
        let child = self.child()?;
        let mut entries = Map::new();
        while let Some(key) = map.next_key_seed(Key(self.meter))? {
            let value = map.next_value_seed(child)?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

/// A mapping key: text (JSON has no other keys), charged like a string.
#[derive(Clone, Copy)]
struct Key<'m>(&'m Meter);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        // serde_yaml gives plain scalars (`1`, `true`) as text when text is asked for.
        deserializer.deserialize_string(self)
    }
}

impl de::Visitor<'_> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping key that is text")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<String, E> {
        self.0.charge(NODE_COST.saturating_add(key.len()))?;
        Ok(key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::{Duration, Instant};

    /// `levels` levels of `fan_out` aliases each of the level below: fan_out^levels leaves.
    fn laughs(levels: usize, fan_out: usize) -> String {
        let mut text = String::from("l0: &l0 \"lol\"\n");
        for level in 1..=levels {
            let items = vec![format!("*l{}", level - 1); fan_out].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{items}]\n"));
        }
        text
    }

    #[test]
    fn plain_yaml_parses_to_the_same_value_as_serde_yaml() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {x: \"1\"}\ndata:\n  n: 1\n  f: 1.5\n  t: true\n  nothing: ~\n  list: [a, 2, {b: c}]\n";
        let expected: Value = serde_yaml::from_str(text).expect("serde_yaml");
        assert_eq!(parse(text).expect("parses"), expected);
    }

    #[test]
    fn honest_aliases_are_expanded() {
        let value = parse("base: &base {cpu: 100m}\nweb: *base\napi: *base\n").expect("parses");
        assert_eq!(value["api"], json!({"cpu": "100m"}));
    }

    #[test]
    fn an_empty_text_is_null() {
        assert_eq!(parse("").expect("parses"), Value::Null);
        assert_eq!(parse("# only a comment\n").expect("parses"), Value::Null);
    }

    #[test]
    fn numeric_and_boolean_keys_become_text() {
        let value = parse("1: one\ntrue: yes\n").expect("parses");
        assert_eq!(value, json!({"1": "one", "true": "yes"}));
    }

    #[test]
    fn a_billion_laughs_is_refused_quickly_and_says_why() {
        // 10^9 leaves; serde_yaml alone would try to build them all.
        let text = laughs(9, 10);
        let started = Instant::now();
        let error = parse(&text).expect_err("refused");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
        assert!(matches!(error, Error::YamlTooLarge { .. }), "{error:?}");
        assert!(error.to_string().contains("anchors and aliases"), "{error}");
    }

    #[test]
    fn a_large_body_of_aliases_to_a_large_anchor_is_refused() {
        // The shape of the 427 KB body that took 23 s and 2.6 GB: one big anchored list
        // repeated by thousands of aliases (each alias alone is legal and small).
        let anchored = vec!["xxxxxxxxxxxxxxxx"; 5_000].join(", ");
        let mut text = format!("big: &big [{anchored}]\nrepeats:\n");
        for _ in 0..20_000 {
            text.push_str("- *big\n");
        }
        assert!(text.len() > 200_000);
        let error = parse(&text).expect_err("refused");
        assert!(matches!(error, Error::YamlTooLarge { .. }), "{error:?}");
    }

    #[test]
    fn documents_of_one_body_share_one_budget() {
        // Each document alone fits in a small budget; together they do not.
        let document = laughs(3, 10);
        let mut budget = Budget::bytes(100_000);
        let mut parsed = 0;
        let error = loop {
            match parse_within(&document, &mut budget) {
                Ok(_) => parsed += 1,
                Err(error) => break error,
            }
        };
        assert!(parsed >= 1, "one document fits");
        assert!(matches!(error, Error::YamlTooLarge { limit: 100_000 }));
    }

    #[test]
    fn parse_documents_returns_each_document_of_a_stream() {
        let values = parse_documents("a: 1\n---\nb: 2\n").expect("parses");
        assert_eq!(values, vec![json!({"a": 1}), json!({"b": 2})]);
        assert!(matches!(
            parse_documents(&format!("a: 1\n---\n{}", laughs(9, 10))),
            Err(Error::YamlTooLarge { .. })
        ));
    }

    #[test]
    fn one_document_is_expected_where_one_is_asked_for() {
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(Error::Syntax { .. })
        ));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = parse("a: 1\nb: [unclosed\n").expect_err("refused");
        assert!(matches!(error, Error::Syntax { .. }));
        assert!(error.line().is_some_and(|line| line >= 2), "{error:?}");
        assert!(error.column().is_some(), "{error:?}");
    }

    #[test]
    fn deep_nesting_is_refused_with_its_own_reason() {
        let text = format!("{}{}", "[".repeat(110), "]".repeat(110));
        assert!(matches!(
            parse(&text),
            Err(Error::YamlTooDeep { limit: MAX_DEPTH })
        ));
    }

    #[test]
    fn typed_parsing_of_a_text_without_anchors_or_aliases_is_the_same_either_way() {
        #[derive(serde::Deserialize, PartialEq, Debug)]
        struct Chart {
            name: String,
            description: String,
        }
        let plain: Chart = parse_as("name: web\ndescription: a shop\n").expect("parses");
        // A `*` in a string sends the text through the budgeted reader: the same answer.
        let starred: Chart =
            parse_as("name: web\ndescription: \"a *bold* shop\"\n").expect("parses");
        assert_eq!(plain.name, starred.name);
        assert_eq!(starred.description, "a *bold* shop");
        let error = parse_as::<Chart>("name: [web\n").expect_err("refused");
        assert!(error.line().is_some(), "{error:?}");
    }

    #[test]
    fn typed_parsing_keeps_plain_scalars_as_text_with_or_without_aliases() {
        #[derive(serde::Deserialize)]
        struct Version {
            version: String,
            digest: String,
        }
        for text in [
            "version: 1.10\ndigest: 4456e20\n",
            "version: 1.10\ndigest: 4456e20\nnote: &n R&D\nagain: *n\n",
        ] {
            let parsed: Version = parse_as(text).expect("parses");
            assert_eq!(parsed.version, "1.10", "{text}");
            assert_eq!(parsed.digest, "4456e20", "{text}");
        }
    }

    #[test]
    fn typed_parsing_reads_through_the_budget() {
        #[derive(serde::Deserialize)]
        struct Chart {
            name: String,
        }
        let chart: Chart = parse_as("name: web\nversion: 1.0.0\n").expect("parses");
        assert_eq!(chart.name, "web");
        assert!(matches!(
            parse_as::<Chart>(&laughs(9, 10)),
            Err(Error::YamlTooLarge { .. })
        ));
    }
}
