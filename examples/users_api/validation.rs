//! Checking what a request gives an endpoint — the part FastAPI hands to pydantic: a path's
//! `user_id: int`, a query's `limit: int = Query(100, ge=0, le=1000)`, a body's
//! `user: UserCreate`. A failure is a list of errors, rendered as FastAPI renders them:
//!
//! ```python
//! # what FastAPI answers for POST /users with {"name": "Ada"}
//! # 422 {"detail": [{"type": "missing", "loc": ["body", "email"], "msg": "Field required",
//! #                  "input": {"name": "Ada"}}]}
//! ```
//!
//! Each error has pydantic's `type` (a stable name a client can test for), `loc` (where: `body`,
//! `path` or `query`, then the field), `msg` (pydantic's English) and `input` (what was sent
//! there); some have a `ctx` (the bound that was crossed, the JSON parser's message). The body is
//! checked as a whole before anything is written: a request is either valid and done, or refused
//! and nothing changed.
//!
//! Read next: [`db.rs`](super::db), where a valid request goes.

use serde_json::{json, Value};

use super::{Json, JsonWriter, NewUser, DEFAULT_LIMIT, MAX_LIMIT};

/// One validation error (one element of FastAPI's `detail` list).
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// pydantic's error type: `missing`, `string_type`, `int_parsing`, `json_invalid`, …
    pub kind: &'static str,
    /// Where: `["body", "email"]`, `["path", "user_id"]`, `["query", "limit"]`.
    pub loc: Vec<Value>,
    /// The message.
    pub msg: String,
    /// What was there.
    pub input: Value,
    /// Context: the bound (`{"ge": 0}`), the parser's message (`{"error": "…"}`).
    pub ctx: Option<Value>,
}

/// `{"detail": [ … ]}`, each error's keys in pydantic's order (`type`, `loc`, `msg`, `input`,
/// `ctx`), as FastAPI writes them.
pub fn render(errors: &[Error]) -> Json {
    let mut json = JsonWriter::default();
    json.begin_object();
    json.key("detail");
    json.begin_array();
    for error in errors {
        json.begin_object();
        json.key("type");
        json.string(error.kind);
        json.key("loc");
        json.raw(&Value::from(error.loc.clone()).to_string());
        json.key("msg");
        json.string(&error.msg);
        json.key("input");
        json.raw(&error.input.to_string());
        if let Some(ctx) = &error.ctx {
            json.key("ctx");
            json.raw(&ctx.to_string());
        }
        json.end_object();
    }
    json.end_array();
    json.end_object();
    json.finish()
}

/// The body of `POST /users`: a JSON object with a string `name` and a string `email` (other
/// fields are ignored, as pydantic ignores them by default).
pub fn new_user(body: &[u8]) -> Result<NewUser, Vec<Error>> {
    if body.is_empty() {
        // FastAPI: a required body that is not there.
        return Err(vec![Error {
            kind: "missing",
            loc: vec![json!("body")],
            msg: "Field required".into(),
            input: Value::Null,
            ctx: None,
        }]);
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => {
            return Err(vec![Error {
                kind: "json_invalid",
                // FastAPI gives the byte offset where decoding failed.
                loc: vec![json!("body"), json!(byte_offset(body, &error))],
                msg: "JSON decode error".into(),
                input: json!({}),
                ctx: Some(json!({ "error": error.to_string() })),
            }]);
        }
    };
    let Value::Object(fields) = &value else {
        return Err(vec![Error {
            kind: "model_attributes_type",
            loc: vec![json!("body")],
            msg: "Input should be a valid dictionary or object to extract fields from".into(),
            input: value.clone(),
            ctx: None,
        }]);
    };
    let mut errors = Vec::new();
    let mut text = |name: &str| match fields.get(name) {
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => {
            errors.push(Error {
                kind: "string_type",
                loc: vec![json!("body"), json!(name)],
                msg: "Input should be a valid string".into(),
                input: other.clone(),
                ctx: None,
            });
            None
        }
        None => {
            errors.push(Error {
                kind: "missing",
                loc: vec![json!("body"), json!(name)],
                msg: "Field required".into(),
                input: value.clone(),
                ctx: None,
            });
            None
        }
    };
    let name = text("name");
    let email = text("email");
    match (name, email) {
        (Some(name), Some(email)) => Ok(NewUser { name, email }),
        _ => Err(errors),
    }
}

/// The path's `user_id: int`. `Ok(None)`: an integer, but too large to be any user's id.
pub fn path_id(text: &str) -> Result<Option<u64>, Vec<Error>> {
    match integer(text) {
        Some(Integer::Fits(n)) => Ok(Some(n)),
        Some(Integer::TooLarge) => Ok(None),
        Some(Integer::Negative) => Ok(None), // no user has a negative id
        None => Err(vec![int_parsing(
            vec![json!("path"), json!("user_id")],
            text,
        )]),
    }
}

/// The query's `limit` (0 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and `offset` (0 or more,
/// default 0), as sent (`None`: not in the query).
pub fn page(limit: Option<&str>, offset: Option<&str>) -> Result<(u64, u64), Vec<Error>> {
    let mut errors = Vec::new();
    let limit = bounded(&mut errors, "limit", limit, DEFAULT_LIMIT, Some(MAX_LIMIT));
    let offset = bounded(&mut errors, "offset", offset, 0, None);
    if errors.is_empty() {
        Ok((limit, offset))
    } else {
        Err(errors)
    }
}

fn bounded(
    errors: &mut Vec<Error>,
    name: &str,
    text: Option<&str>,
    default: u64,
    max: Option<u64>,
) -> u64 {
    let Some(text) = text else {
        return default;
    };
    let loc = vec![json!("query"), json!(name)];
    match integer(text) {
        Some(Integer::Negative) => errors.push(Error {
            kind: "greater_than_equal",
            loc,
            msg: "Input should be greater than or equal to 0".into(),
            input: json!(text),
            ctx: Some(json!({ "ge": 0 })),
        }),
        Some(Integer::Fits(n)) if max.is_none_or(|max| n <= max) => return n,
        Some(Integer::Fits(_) | Integer::TooLarge) if max.is_some() => errors.push(Error {
            kind: "less_than_equal",
            loc,
            msg: format!(
                "Input should be less than or equal to {}",
                max.unwrap_or_default()
            ),
            input: json!(text),
            ctx: Some(json!({ "le": max })),
        }),
        Some(_) => return u64::MAX, // an offset past every row: an empty page
        None => errors.push(int_parsing(loc, text)),
    }
    default
}

fn int_parsing(loc: Vec<Value>, text: &str) -> Error {
    Error {
        kind: "int_parsing",
        loc,
        msg: "Input should be a valid integer, unable to parse string as an integer".into(),
        input: json!(text),
        ctx: None,
    }
}

enum Integer {
    Fits(u64),
    TooLarge,
    Negative,
}

/// An integer as it may be written in a path or a query: an optional sign, then ASCII digits.
fn integer(text: &str) -> Option<Integer> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if negative && digits.bytes().any(|b| b != b'0') {
        return Some(Integer::Negative);
    }
    Some(match digits.parse() {
        Ok(n) => Integer::Fits(n),
        Err(_) => Integer::TooLarge,
    })
}

/// Where in the body serde_json stopped, as a byte offset (it reports a line and a column).
fn byte_offset(body: &[u8], error: &serde_json::Error) -> usize {
    let mut offset = 0;
    for (number, line) in body.split(|&b| b == b'\n').enumerate() {
        if number + 1 == error.line() {
            return offset + error.column().saturating_sub(1).min(line.len());
        }
        offset += line.len() + 1;
    }
    body.len()
}
