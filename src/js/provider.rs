//! `clientCredentialsToken(options)`: a token provider for the OAuth 2.0
//! client-credentials grant. The options are read at once and validated on
//! the provider's first call; the token is cached until `expires_in` minus
//! the leeway; concurrent callers share one request in flight. The decisions
//! (validation, form body, answer check, expiry arithmetic) are the pure
//! core's ([`crate::token`]).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;

use super::client::{bad_answer, check_origin, Client, Failure};
use super::convert::snapshot;
use super::http::Method;
use super::output;
use crate::error::{CdfError, Operation};
use crate::token::{
    check_token_answer, parse_token_options, token_form, token_step, CachedToken, TokenOptions,
    TokenStep, TOKEN_KEYS, TOKEN_MAX_RETRIES, TOKEN_TIMEOUT_MS,
};
use crate::value::Value;

/// What the provider knows between calls.
struct State {
    /// The options as read at creation, or why they were refused.
    options: Result<Value, (CdfError, Option<JsValue>)>,
    /// The validated options, once the first call validated them.
    parsed: Option<Result<TokenOptions, CdfError>>,
    cached: Option<CachedToken>,
    in_flight: Option<Promise>,
}

/// Builds the provider function for `options`.
pub fn client_credentials_token(options: JsValue) -> JsValue {
    let options = snapshot(&options, |key| {
        if TOKEN_KEYS.contains(&key) {
            Ok(())
        } else {
            Err(CdfError::invalid_input(
                key,
                &crate::suggest::unknown_key_reason(key, &TOKEN_KEYS, "clientCredentialsToken"),
            ))
        }
    })
    .map(|s| s.value);
    let state = Rc::new(RefCell::new(State {
        options,
        parsed: None,
        cached: None,
        in_flight: None,
    }));
    let provider = Closure::<dyn FnMut(JsValue) -> Promise>::new(move |context: JsValue| {
        provide(&state, &context)
    });
    provider.into_js_value()
}

/// One call of the provider: `{ forceRefresh }` in `context`.
fn provide(state: &Rc<RefCell<State>>, context: &JsValue) -> Promise {
    let force = context.is_object()
        && Reflect::get(context, &JsValue::from_str("forceRefresh"))
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
    let mut s = state.borrow_mut();
    if s.parsed.is_none() {
        let parsed = match &s.options {
            Ok(value) => parse_token_options(value)
                .and_then(|o| check_origin(&o.token_url, "tokenUrl").map(|()| o)),
            Err((e, _)) => Err(e.clone()),
        };
        s.parsed = Some(parsed);
    }
    if let Some(Err(e)) = &s.parsed {
        return Promise::reject(&output::error(e, None));
    }
    let step = token_step(
        s.cached.as_ref(),
        js_sys::Date::now(),
        force,
        s.in_flight.is_some(),
    );
    match step {
        TokenStep::UseCached => match &s.cached {
            Some(c) => Promise::resolve(&JsValue::from_str(c.token().expose())),
            None => Promise::reject(&JsValue::UNDEFINED),
        },
        TokenStep::JoinInFlight => match &s.in_flight {
            Some(p) => p.clone(),
            None => Promise::reject(&JsValue::UNDEFINED),
        },
        TokenStep::Fetch => {
            let state2 = state.clone();
            let promise = super::spawn(async move {
                let result = fetch(&state2).await;
                state2.borrow_mut().in_flight = None;
                result
            });
            s.in_flight = Some(promise.clone());
            promise
        }
    }
}

/// Requests a token, caches it, and resolves to it.
async fn fetch(state: &Rc<RefCell<State>>) -> Result<JsValue, JsValue> {
    let options = match &state.borrow().parsed {
        Some(Ok(o)) => o.clone(),
        _ => return Err(JsValue::UNDEFINED),
    };
    let mut client = Client::for_token(
        &options.token_url,
        TOKEN_TIMEOUT_MS,
        TOKEN_MAX_RETRIES,
        &options.client_secret,
    )?;
    // The token this provider returned before is a secret too: an identity
    // provider's error may echo it (e.g. "token … was revoked").
    if let Some(previous) = state.borrow().cached.as_ref() {
        client.learn(previous.token());
    }
    let op = Operation::GetToken;
    let sent_at = js_sys::Date::now();
    let form = token_form(&options);
    let result = async {
        let (answer, request_id) = client
            .read_only(op, Method::Post, &options.token_url, Some(&form))
            .await?;
        check_token_answer(&answer).map_err(bad_answer(op, request_id))
    }
    .await;
    let attempts = client.attempts;
    drop(client);
    match result {
        Ok(answer) => {
            let token = answer.access_token.expose().to_owned();
            state.borrow_mut().cached = Some(CachedToken::new(
                answer.access_token,
                sent_at,
                answer.expires_in_seconds,
                options.leeway_seconds,
            ));
            Ok(JsValue::from_str(&token))
        }
        Err(f) => Err(Failure::into_js(f, attempts)),
    }
}
