//! The sessions call: its request bodies and the nonce in its answer.

use serde::Serialize;

use crate::json::{ObjectWriter, ToJson};
use crate::options::ClientCredentials;
use crate::secret::Secret;
use crate::value::Value;

/// `{"items":[item]}`, the body of `POST /sessions`.
#[derive(Debug, Serialize)]
pub struct CreateSessionBody<'a> {
    /// Exactly one item.
    pub items: [SessionItem<'a>; 1],
}

/// One session to create.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SessionItem<'a> {
    /// `{"tokenExchange":true}`: a session from the caller's token.
    TokenExchange {
        /// Always `true`.
        #[serde(rename = "tokenExchange")]
        token_exchange: bool,
    },
    /// `{"clientId":…,"clientSecret":…}`.
    ClientCredentials {
        /// The client id.
        #[serde(rename = "clientId")]
        client_id: &'a str,
        /// The client secret.
        #[serde(rename = "clientSecret")]
        client_secret: &'a str,
    },
}

impl<'a> CreateSessionBody<'a> {
    /// The body for a token-exchange session.
    pub fn token_exchange() -> Self {
        CreateSessionBody {
            items: [SessionItem::TokenExchange {
                token_exchange: true,
            }],
        }
    }

    /// The body for a client-credentials session.
    pub fn client_credentials(c: &'a ClientCredentials) -> Self {
        CreateSessionBody {
            items: [SessionItem::ClientCredentials {
                client_id: &c.client_id,
                client_secret: c.client_secret.expose(),
            }],
        }
    }
}

/// `{"authentication":{"nonce":…}}`, the body of the retry call.
#[derive(Debug, Serialize)]
pub struct RetryBody<'a> {
    /// The session to run the retried execution with.
    pub authentication: Authentication<'a>,
}

/// The `authentication` object of [`RetryBody`].
#[derive(Debug, Serialize)]
pub struct Authentication<'a> {
    /// The session nonce.
    pub nonce: &'a str,
}

impl<'a> RetryBody<'a> {
    /// The retry body for a nonce.
    pub fn new(nonce: &'a str) -> Self {
        RetryBody {
            authentication: Authentication { nonce },
        }
    }
}

/// The nonces a call (or a whole `retryExecutions` batch) has sent: a nonce
/// binds at most once, so a new session that answers with a nonce already
/// sent is refused (`invalid_response` for `createSession`) rather than sent
/// again. Resending the same nonce after a 429 or a plain 401 is the request
/// loop's, not a new use.
#[derive(Debug, Default, Clone)]
pub struct NonceLedger {
    sent: Vec<Secret>,
}

impl NonceLedger {
    /// Whether `nonce` was sent before.
    pub fn was_sent(&self, nonce: &Secret) -> bool {
        self.sent.contains(nonce)
    }

    /// Records that `nonce` is being sent; `false` (and nothing recorded)
    /// when it was sent before.
    pub fn record(&mut self, nonce: &Secret) -> bool {
        if self.was_sent(nonce) {
            return false;
        }
        self.sent.push(nonce.clone());
        true
    }

    /// How many distinct nonces were sent.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Whether no nonce was sent yet.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }
}

/// `items[0].nonce` of a sessions answer, or the field at fault.
pub fn nonce_from_answer(body: &Value) -> Result<String, (String, &'static str)> {
    let first = match body.get("items") {
        Some(Value::Array(items)) => items.first(),
        _ => return Err(("items".to_owned(), "is not an array")),
    };
    let Some(first) = first else {
        return Err(("items".to_owned(), "is empty"));
    };
    match first.get("nonce") {
        Some(Value::String(n)) if crate::validate::nonce(n).is_ok() => Ok(n.clone()),
        Some(Value::String(_)) => Err(("items[0].nonce".to_owned(), "is not a usable nonce")),
        None | Some(Value::Undefined) => Err(("items[0].nonce".to_owned(), "is missing")),
        Some(_) => Err(("items[0].nonce".to_owned(), "is not a string")),
    }
}

impl ToJson for SessionItem<'_> {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        match self {
            SessionItem::TokenExchange { token_exchange } => {
                o.field("tokenExchange", token_exchange);
            }
            SessionItem::ClientCredentials {
                client_id,
                client_secret,
            } => {
                o.field("clientId", *client_id)
                    .field("clientSecret", *client_secret);
            }
        }
        o.end();
    }
}

impl ToJson for CreateSessionBody<'_> {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"items\":[");
        for item in &self.items {
            item.write_json(out);
        }
        out.push_str("]}");
    }
}

impl ToJson for RetryBody<'_> {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"authentication\":");
        ObjectWriter::new(out)
            .field("nonce", self.authentication.nonce)
            .end();
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_refuses_a_nonce_sent_before() {
        let mut l = NonceLedger::default();
        assert!(l.is_empty());
        assert!(l.record(&Secret::new("n1")));
        assert!(l.record(&Secret::new("n2")));
        assert!(!l.record(&Secret::new("n1")));
        assert!(l.was_sent(&Secret::new("n2")));
        assert!(!l.was_sent(&Secret::new("n3")));
        assert_eq!(l.len(), 2);
        assert!(!format!("{l:?}").contains("n1"));
    }

    #[test]
    fn the_json_writer_agrees_with_serde() {
        let c = ClientCredentials {
            client_id: "id\"1\u{7f}\\".into(),
            client_secret: Secret::new("s\n\u{2028}é"),
        };
        for (ours, theirs) in [
            (
                CreateSessionBody::token_exchange().to_json(),
                serde_json::to_string(&CreateSessionBody::token_exchange()).ok(),
            ),
            (
                CreateSessionBody::client_credentials(&c).to_json(),
                serde_json::to_string(&CreateSessionBody::client_credentials(&c)).ok(),
            ),
            (
                RetryBody::new("n\"o\u{1}").to_json(),
                serde_json::to_string(&RetryBody::new("n\"o\u{1}")).ok(),
            ),
        ] {
            let theirs = theirs.unwrap_or_default();
            let a: serde_json::Value = serde_json::from_str(&ours).unwrap_or_default();
            let b: serde_json::Value = serde_json::from_str(&theirs).unwrap_or_default();
            assert_eq!(a, b, "{ours} vs {theirs}");
            assert_ne!(a, serde_json::Value::Null);
        }
    }

    #[test]
    fn bodies_serialize_exactly() {
        assert_eq!(
            serde_json::to_string(&CreateSessionBody::token_exchange())
                .ok()
                .as_deref(),
            Some(r#"{"items":[{"tokenExchange":true}]}"#)
        );
        let c = ClientCredentials {
            client_id: "id\"1".into(),
            client_secret: Secret::new("s\\2"),
        };
        assert_eq!(
            serde_json::to_string(&CreateSessionBody::client_credentials(&c))
                .ok()
                .as_deref(),
            Some(r#"{"items":[{"clientId":"id\"1","clientSecret":"s\\2"}]}"#)
        );
        assert_eq!(
            serde_json::to_string(&RetryBody::new("abc"))
                .ok()
                .as_deref(),
            Some(r#"{"authentication":{"nonce":"abc"}}"#)
        );
    }

    fn answer(items: Value) -> Value {
        Value::Object(vec![("items".into(), items)])
    }

    #[test]
    fn nonce_is_items_0_nonce() {
        let item = Value::Object(vec![
            ("id".into(), Value::Number(1.0)),
            ("nonce".into(), Value::String("n0nce".into())),
        ]);
        assert_eq!(
            nonce_from_answer(&answer(Value::Array(vec![item]))).as_deref(),
            Ok("n0nce")
        );
    }

    #[test]
    fn bad_answers_name_the_field() {
        let field = |v: Value| nonce_from_answer(&v).expect_err("fails").0;
        assert_eq!(field(Value::Null), "items");
        assert_eq!(field(answer(Value::Null)), "items");
        assert_eq!(field(answer(Value::Array(vec![]))), "items");
        assert_eq!(
            field(answer(Value::Array(vec![Value::Object(vec![])]))),
            "items[0].nonce"
        );
        assert_eq!(
            field(answer(Value::Array(vec![Value::Null]))),
            "items[0].nonce"
        );
        let bad_nonce =
            |n: Value| answer(Value::Array(vec![Value::Object(vec![("nonce".into(), n)])]));
        assert_eq!(field(bad_nonce(Value::Number(1.0))), "items[0].nonce");
        assert_eq!(
            field(bad_nonce(Value::String(String::new()))),
            "items[0].nonce"
        );
        assert_eq!(
            field(bad_nonce(Value::String("a b".into()))),
            "items[0].nonce"
        );
    }
}
