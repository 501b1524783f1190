//! Parses and matches label selectors in Kubernetes' syntax: `app=web,tier in (a,b),!canary`.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::labels::Labels;

/// A label selector: every requirement must hold. The empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector(Vec<Requirement>);

/// One requirement of a [`Selector`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` or `key==value`.
    Equals(String, String),
    /// `key!=value`: also true when the label is absent, as in Kubernetes.
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)`: also true when the label is absent.
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    DoesNotExist(String),
}

impl Selector {
    /// A selector of these requirements (all must hold).
    pub fn new(requirements: Vec<Requirement>) -> Selector {
        Selector(requirements)
    }

    /// Parses a selector; the empty string is the selector matching everything.
    pub fn parse(text: &str) -> Result<Selector> {
        Parser {
            chars: text.chars().collect(),
            at: 0,
        }
        .selector()
    }

    /// Whether these labels satisfy every requirement.
    pub fn matches(&self, labels: &impl LabelLookup) -> bool {
        self.0.iter().all(|r| r.matches(labels))
    }

    pub fn requirements(&self) -> &[Requirement] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Selector {
    /// A `metav1.LabelSelector` — `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`,
    /// `DoesNotExist`), as workloads, disruption budgets and network policies carry it. All of its
    /// requirements must hold; an empty one matches everything, as in Kubernetes.
    pub fn from_label_selector(selector: &Value) -> Result<Selector> {
        let mut requirements = Vec::new();
        if let Some(labels) = selector.get("matchLabels").and_then(Value::as_object) {
            for (key, value) in labels {
                let value = value.as_str().ok_or_else(|| {
                    Error::UnreadableSelector(format!("matchLabels[{key}] is not a string"))
                })?;
                requirements.push(Requirement::Equals(key.clone(), value.to_string()));
            }
        }
        let expressions = selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (index, expression) in expressions.iter().enumerate() {
            let key = expression
                .get("key")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::UnreadableSelector(format!("matchExpressions[{index}] has no key"))
                })?
                .to_string();
            let values: Vec<String> = expression
                .get("values")
                .and_then(Value::as_array)
                .map(|values| {
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let operator = expression
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or_default();
            requirements.push(match operator {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                other => {
                    return Err(Error::UnreadableSelector(format!(
                        "matchExpressions[{index}] has the operator {other:?}; Kubernetes knows In, NotIn, Exists and DoesNotExist"
                    )));
                }
            });
        }
        Ok(Selector(requirements))
    }

    /// The pods (or other objects) a workload selects: its `spec.selector`, a
    /// `metav1.LabelSelector`. `None` when it has none.
    pub fn of_workload(object: &Value) -> Result<Option<Selector>> {
        object
            .pointer("/spec/selector")
            .filter(|s| s.is_object())
            .map(Selector::from_label_selector)
            .transpose()
    }

    /// A Service's `spec.selector`: a plain map of labels to equal. Unlike a label selector, an
    /// empty one selects nothing (the Service's endpoints are managed by hand), so it is `None`.
    pub fn of_service(service: &Value) -> Option<Selector> {
        let labels = service.pointer("/spec/selector")?.as_object()?;
        let requirements: Vec<Requirement> = labels
            .iter()
            .filter_map(|(k, v)| {
                v.as_str()
                    .map(|v| Requirement::Equals(k.clone(), v.to_string()))
            })
            .collect();
        (!requirements.is_empty()).then_some(Selector(requirements))
    }
}

impl Requirement {
    pub fn matches(&self, labels: &impl LabelLookup) -> bool {
        let is_one_of = |values: &[String], value: &str| values.iter().any(|v| v == value);
        match self {
            Requirement::Equals(k, v) => labels.label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => labels.label(k) != Some(v.as_str()),
            Requirement::In(k, values) => labels.label(k).is_some_and(|v| is_one_of(values, v)),
            Requirement::NotIn(k, values) => labels.label(k).is_none_or(|v| !is_one_of(values, v)),
            Requirement::Exists(k) => labels.label(k).is_some(),
            Requirement::DoesNotExist(k) => labels.label(k).is_none(),
        }
    }
}

/// Where a selector reads labels: a row's [`Labels`] or an object's `BTreeMap`.
pub trait LabelLookup {
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelLookup for Labels {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

impl LabelLookup for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

/// An object's labels as JSON (`metadata.labels`, or a template's); `null` has none.
impl LabelLookup for Value {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

/// An object's labels as the JSON map they are kept in.
impl LabelLookup for serde_json::Map<String, Value> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
}

/// Labels that may be absent: an object without labels has none, so `!key` and `notin` hold.
impl<L: LabelLookup> LabelLookup for Option<&L> {
    fn label(&self, key: &str) -> Option<&str> {
        self.and_then(|labels| labels.label(key))
    }
}

/// Prints the selector back in the syntax it was parsed from.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, requirement) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            match requirement {
                Requirement::Equals(k, v) => write!(f, "{k}={v}")?,
                Requirement::NotEquals(k, v) => write!(f, "{k}!={v}")?,
                Requirement::In(k, values) => write!(f, "{k} in ({})", values.join(","))?,
                Requirement::NotIn(k, values) => write!(f, "{k} notin ({})", values.join(","))?,
                Requirement::Exists(k) => write!(f, "{k}")?,
                Requirement::DoesNotExist(k) => write!(f, "!{k}")?,
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Selector {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Selector::parse(text)
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

/// Characters that may appear in label keys (`example.com/app-name`) and values.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

impl Parser {
    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(Error::Selector {
            position: self.at,
            message: message.into(),
        })
    }

    fn skip_spaces(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("found {c:?}"),
            None => "found the end".to_string(),
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(is_word) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn key(&mut self) -> Result<String> {
        self.skip_spaces();
        let key = self.word();
        if key.is_empty() {
            return self.error(format!("expected a label key, {}", self.found()));
        }
        if key.len() > 253 + 1 + 63 {
            return self.error("the label key is too long");
        }
        Ok(key)
    }

    /// A value, which may be empty (`app=` selects labels with an empty value).
    fn value(&mut self) -> Result<String> {
        self.skip_spaces();
        let value = self.word();
        if value.len() > 63 {
            return self.error("the label value is longer than 63 characters");
        }
        Ok(value)
    }

    fn selector(mut self) -> Result<Selector> {
        let mut requirements = Vec::new();
        self.skip_spaces();
        if self.peek().is_none() {
            return Ok(Selector(requirements));
        }
        loop {
            requirements.push(self.requirement()?);
            self.skip_spaces();
            match self.peek() {
                None => return Ok(Selector(requirements)),
                Some(',') => self.at += 1,
                Some(_) => return self.error(format!("expected , or the end, {}", self.found())),
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement> {
        self.skip_spaces();
        if self.peek() == Some('!') {
            self.at += 1;
            return Ok(Requirement::DoesNotExist(self.key()?));
        }
        let key = self.key()?;
        self.skip_spaces();
        match self.peek() {
            None | Some(',') => Ok(Requirement::Exists(key)),
            Some('=') => {
                self.at += 1;
                if self.peek() == Some('=') {
                    self.at += 1;
                }
                Ok(Requirement::Equals(key, self.value()?))
            }
            Some('!') => {
                self.at += 1;
                if self.peek() != Some('=') {
                    return self.error(format!("expected != after the key, {}", self.found()));
                }
                self.at += 1;
                Ok(Requirement::NotEquals(key, self.value()?))
            }
            Some(c) if is_word(c) => {
                let operator_at = self.at;
                match self.word().as_str() {
                    "in" => Ok(Requirement::In(key, self.set()?)),
                    "notin" => Ok(Requirement::NotIn(key, self.set()?)),
                    other => {
                        self.at = operator_at;
                        self.error(format!(
                            "expected =, ==, !=, in or notin after {key:?}, found {other:?}"
                        ))
                    }
                }
            }
            Some(_) => self.error(format!(
                "expected =, ==, !=, in or notin after {key:?}, {}",
                self.found()
            )),
        }
    }

    fn set(&mut self) -> Result<Vec<String>> {
        self.skip_spaces();
        if self.peek() != Some('(') {
            return self.error(format!(
                "expected ( to open the set of values, {}",
                self.found()
            ));
        }
        self.at += 1;
        let mut values = Vec::new();
        loop {
            let value = self.value()?;
            self.skip_spaces();
            match self.peek() {
                Some(',') => {
                    values.push(value);
                    self.at += 1;
                }
                Some(')') => {
                    values.push(value);
                    self.at += 1;
                    break;
                }
                _ => return self.error(format!("expected , or ) in the set, {}", self.found())),
            }
        }
        if values.iter().all(String::is_empty) {
            return self.error("the set of values is empty");
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selectors_match_like_kubernetes() {
        let web = labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("example.com/team", "shop"),
        ]);
        let cases = [
            ("the empty selector matches everything", "", true),
            ("equality", "app=web", true),
            ("double equals", "app==web", true),
            ("equality with another value", "app=db", false),
            ("inequality", "app!=db", true),
            ("inequality of an absent label holds", "missing!=x", true),
            ("set membership", "tier in (back, front)", true),
            ("set membership failing", "tier in (back)", false),
            ("set exclusion", "tier notin (back)", true),
            (
                "set exclusion of an absent label holds",
                "missing notin (x)",
                true,
            ),
            ("existence", "app", true),
            ("absence of an existing label", "!app", false),
            ("absence", "!canary", true),
            ("prefixed keys", "example.com/team=shop", true),
            ("every requirement must hold", "app=web,tier=back", false),
            ("spaces around requirements", " app = web , tier ", true),
        ];
        for (name, text, expected) in cases {
            let selector = Selector::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(selector.matches(&web), expected, "{name}: {text}");
        }
    }

    #[test]
    fn bad_selectors_say_where_the_problem_is() {
        let cases = [
            (
                "a trailing comma",
                "app=web,",
                8,
                "expected a label key, found the end",
            ),
            (
                "an unknown operator",
                "app ~ web",
                4,
                "expected =, ==, !=, in or notin after \"app\", found '~'",
            ),
            (
                "a lone bang",
                "app!web",
                4,
                "expected != after the key, found 'w'",
            ),
            (
                "an unclosed set",
                "tier in (a,b",
                12,
                "expected , or ) in the set, found the end",
            ),
            (
                "a set without parentheses",
                "tier in a",
                8,
                "expected ( to open the set of values, found 'a'",
            ),
            (
                "an empty set",
                "tier in ()",
                10,
                "the set of values is empty",
            ),
            (
                "a word instead of an operator",
                "tier is a",
                5,
                "expected =, ==, !=, in or notin after \"tier\", found \"is\"",
            ),
            (
                "two requirements without a comma",
                "a=b c=d",
                4,
                "expected , or the end, found 'c'",
            ),
        ];
        for (name, text, position, message) in cases {
            let error = Selector::parse(text).expect_err(name);
            let Error::Selector {
                position: at,
                message: why,
            } = &error
            else {
                panic!("{name}: not a selector error: {error:?}");
            };
            assert_eq!((*at, why.as_str()), (position, message), "{name}");
        }
    }

    #[test]
    fn a_selector_prints_back_in_its_syntax() {
        let text = "app=web,env!=prod,tier in (a,b),x notin (y),canary,!legacy";
        let selector = Selector::parse(text).expect("valid");
        assert_eq!(selector.to_string(), text);
        assert_eq!(Selector::parse(&selector.to_string()).ok(), Some(selector));
    }

    #[test]
    fn a_label_selector_with_match_expressions_selects_what_kubernetes_would() {
        let selector = Selector::from_label_selector(&serde_json::json!({
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["b"]},
                {"key": "team", "operator": "Exists"}
            ]
        }))
        .expect("readable");
        let labels = |pairs: serde_json::Value| pairs;
        assert!(selector.matches(&labels(
            serde_json::json!({"app": "web", "tier": "edge", "team": "a"})
        )));
        assert!(!selector.matches(&labels(
            serde_json::json!({"app": "web", "tier": "back", "team": "a"})
        )));
        assert!(!selector.matches(&labels(
            serde_json::json!({"app": "web", "tier": "front", "team": "a", "canary": "1"})
        )));
        assert!(!selector.matches(&labels(
            serde_json::json!({"app": "web", "tier": "front", "team": "a", "zone": "b"})
        )));
        assert!(!selector.matches(&serde_json::Value::Null));
        // As a query for the API server, in its own syntax, and back.
        let query = selector.to_string();
        assert_eq!(
            query,
            "app=web,tier in (front,edge),!canary,zone notin (b),team"
        );
        assert_eq!(Selector::parse(&query).ok(), Some(selector));
    }

    #[test]
    fn labels_are_read_from_a_json_map_and_absent_labels_are_none() {
        let selector = Selector::parse("app=web,!canary").expect("valid");
        let labels = serde_json::json!({"app": "web"});
        assert!(selector.matches(&labels.as_object()));
        assert!(!selector.matches(&None::<&serde_json::Map<String, serde_json::Value>>));
        let absent = Selector::parse("x notin (a),!legacy").expect("valid");
        assert!(absent.matches(&None::<&serde_json::Map<String, serde_json::Value>>));
    }

    #[test]
    fn only_match_expressions_is_a_selector_too() {
        let deployment = serde_json::json!({"spec": {"selector": {
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["mx"]}]
        }}});
        let selector = Selector::of_workload(&deployment)
            .expect("readable")
            .expect("present");
        assert_eq!(selector.to_string(), "app in (mx)");
        assert!(selector.matches(&serde_json::json!({"app": "mx"})));
    }

    #[test]
    fn an_unknown_operator_is_an_error_not_an_empty_selector() {
        let error = Selector::from_label_selector(&serde_json::json!({
            "matchExpressions": [{"key": "app", "operator": "Matches", "values": ["x"]}]
        }))
        .expect_err("refused");
        assert!(error.to_string().contains("Matches"), "{error}");
    }

    #[test]
    fn a_services_empty_selector_selects_nothing_but_a_workloads_selects_everything() {
        assert_eq!(
            Selector::of_service(&serde_json::json!({"spec": {"selector": {}}})),
            None
        );
        assert_eq!(Selector::of_service(&serde_json::json!({"spec": {}})), None);
        let service =
            Selector::of_service(&serde_json::json!({"spec": {"selector": {"app": "web"}}}))
                .expect("a selector");
        assert!(service.matches(&serde_json::json!({"app": "web", "x": "y"})));
        let everything = Selector::from_label_selector(&serde_json::json!({})).expect("readable");
        assert!(everything.is_empty());
        assert!(everything.matches(&serde_json::json!({"any": "thing"})));
    }
}
