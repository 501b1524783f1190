//! The one error type of the view models: why a query, a selector, an object or a YAML text was
//! not accepted. Every message says what was wrong and, where it can, what would be accepted;
//! the server turns each variant into the API's error shape in one place (its `error.rs`).

use crate::query::MAX_PAGE_SIZE;

/// Why an input to the view models was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // A list query (`ListQuery::parse`, `ListQuery::page`).
    /// `sort` names no column of this kind.
    #[error("cannot sort by {column:?}: it is not a column; sortable columns are {}", valid.join(", "))]
    UnknownSortColumn { column: String, valid: Vec<String> },
    /// `sort` names a column that is not sortable (a selector, a list).
    #[error("cannot sort by {column:?}: the column is not sortable; sortable columns are {}", valid.join(", "))]
    UnsortableColumn { column: String, valid: Vec<String> },
    /// `labelSelector` does not parse (the inner error is a [`Error::Selector`]).
    #[error("labelSelector: {0}")]
    LabelSelector(Box<Error>),
    #[error("page must be a whole number from 1, not {0:?}")]
    Page(String),
    #[error("pageSize must be a whole number from 1 to {MAX_PAGE_SIZE}, not {0:?}")]
    PageSize(String),

    // Label selectors.
    /// A selector's text does not parse; `position` counts characters from its start.
    #[error("invalid label selector at character {position}: {message}")]
    Selector { position: usize, message: String },
    /// An object's selector (`metav1.LabelSelector`) cannot be read.
    #[error("the selector cannot be read: {0}")]
    UnreadableSelector(String),

    // Objects as rows.
    /// The object has no `metadata.name`: it is not a Kubernetes object.
    #[error("the object has no metadata.name")]
    MissingName,
    /// The object does not have the shape of its kind (a field of the wrong type).
    #[error("the object is not a valid {kind}: {source}")]
    Invalid {
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A CRD without the version asked for, or a printer column whose JSONPath is not supported.
    #[error("{0}")]
    Schema(String),

    // YAML from outside.
    /// The text is not YAML, or not of the expected shape; `line` and `column` are 1-based and
    /// count from the start of the text given.
    #[error("{message}")]
    Syntax {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    /// Expanding its anchors and aliases would make the text cost more than the budget: a
    /// hostile text (the "billion laughs"), or an honest one that repeats far too much.
    #[error(
        "the YAML expands to more than {limit} bytes once its anchors and aliases are repeated; \
         write the repeated parts out or send a smaller document"
    )]
    YamlTooLarge { limit: usize },
    /// Nested deeper than anything Kubernetes or Helm uses.
    #[error("the YAML is nested more than {limit} levels deep")]
    YamlTooDeep { limit: usize },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The line of a YAML syntax error, when the parser knows it.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Syntax { line, .. } => *line,
            _ => None,
        }
    }

    /// The column of a YAML syntax error, when the parser knows it.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::Syntax { column, .. } => *column,
            _ => None,
        }
    }
}
