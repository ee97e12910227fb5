//! [`CallGuard`]: one owned `AbortController` per call, aborted by the
//! deadline timer, by the caller's signal, and on drop. Every fetch and wait
//! of the call listens to it; the timer and the listener are removed when the
//! call ends (a pending timer would keep a Worker request or a Node process alive).
//!
//! The caller's signal is never handed to gloo-net: its abort reason may be a
//! string, which gloo-net 0.7 cannot handle. Ours is always an `Error`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

// The caller's signal is the caller's object: read and watched only through
// functions that cannot throw, and with one listener however many calls share it.
#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = signalAborted)]
    fn signal_aborted(signal: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = signalReason)]
    fn signal_reason(signal: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    fn watch(signal: &JsValue, f: &Function) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch)]
    fn unwatch(signal: &JsValue, f: &Function) -> Result<(), JsValue>;
}

/// Why a call stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The deadline passed.
    TimedOut,
    /// The caller's signal fired.
    Aborted,
}

/// The per-call abort machinery.
#[derive(Debug)]
pub struct CallGuard {
    controller: AbortController,
    stop: Rc<Cell<Option<Stop>>>,
    /// The task of an [`CallGuard::until_stopped`] in progress: woken when the call stops.
    waker: Rc<RefCell<Option<Waker>>>,
    timer: JsValue,
    _on_deadline: Closure<dyn FnMut()>,
    caller: Option<(JsValue, Closure<dyn FnMut()>)>,
    /// The reason of a caller's signal that was aborted before the call began.
    early_reason: Option<JsValue>,
    /// A fetch of this call has started and not finished (see [`CallGuard::fetching`]).
    in_flight: Cell<bool>,
    /// When the deadline passes, in ms since the epoch.
    pub deadline_ms: f64,
}

/// Wakes the task waiting in [`CallGuard::until_stopped`], if any.
fn wake(waker: &RefCell<Option<Waker>>) {
    let taken = waker.try_borrow_mut().ok().and_then(|mut w| w.take());
    if let Some(w) = taken {
        w.wake();
    }
}

fn abort(controller: &AbortController, why: &str) {
    controller.abort_with_reason(&js_sys::Error::new(why));
}

impl CallGuard {
    /// Starts the deadline timer and listens to the caller's signal. An
    /// already-aborted signal stops the call at once.
    pub fn new(timeout_ms: u32, caller: Option<JsValue>) -> Result<Self, JsValue> {
        let controller = AbortController::new()?;
        let stop = Rc::new(Cell::new(None));
        let waker: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
        let on_deadline = {
            let (stop, controller, waker) = (stop.clone(), controller.clone(), waker.clone());
            Closure::<dyn FnMut()>::new(move || {
                if stop.get().is_none() {
                    stop.set(Some(Stop::TimedOut));
                }
                abort(&controller, "timeoutMs passed");
                wake(&waker);
            })
        };
        let deadline_ms = js_sys::Date::now() + f64::from(timeout_ms);
        let timer = set_timeout(on_deadline.as_ref().unchecked_ref(), f64::from(timeout_ms));
        let mut early_reason = None;
        let caller = match caller {
            Some(signal)
                if signal_aborted(&signal).ok().and_then(|a| a.as_bool()) != Some(false) =>
            {
                // Aborted (or no longer readable): the call stops at once.
                stop.set(Some(Stop::Aborted));
                abort(&controller, "aborted by the caller");
                early_reason = signal_reason(&signal).ok();
                None
            }
            Some(signal) => {
                let (stop, controller, waker) = (stop.clone(), controller.clone(), waker.clone());
                let on_abort = Closure::<dyn FnMut()>::new(move || {
                    if stop.get().is_none() {
                        stop.set(Some(Stop::Aborted));
                    }
                    abort(&controller, "aborted by the caller");
                    wake(&waker);
                });
                if watch(&signal, on_abort.as_ref().unchecked_ref()) != Ok(true) {
                    return Err(JsValue::from_str("the signal could not be watched"));
                }
                Some((signal, on_abort))
            }
            None => None,
        };
        Ok(CallGuard {
            controller,
            stop,
            waker,
            timer,
            _on_deadline: on_deadline,
            caller,
            early_reason,
            in_flight: Cell::new(false),
            deadline_ms,
        })
    }

    /// The signal every fetch of this call carries.
    pub fn signal(&self) -> AbortSignal {
        self.controller.signal()
    }

    /// Marks a fetch as started (`true`) or finished (`false`). A call whose
    /// future is dropped mid-fetch leaves it `true`, and the drop aborts the fetch.
    pub fn fetching(&self, yes: bool) {
        self.in_flight.set(yes);
    }

    /// Why the call stopped, if it did.
    pub fn stopped(&self) -> Option<Stop> {
        self.stop.get()
    }

    /// The caller's abort reason (for `cause`), when the caller aborted.
    pub fn abort_reason(&self) -> Option<JsValue> {
        self.caller
            .as_ref()
            .and_then(|(s, _)| signal_reason(s).ok())
            .or_else(|| self.early_reason.clone())
            .filter(|r| !r.is_undefined())
    }

    /// A promise that resolves when this call is stopped, and the listener to
    /// remove afterwards.
    fn stopped_promise(&self) -> (Promise, Option<Function>) {
        let signal = self.signal();
        let mut listener = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
            listener = Some(resolve);
        });
        (promise, listener)
    }

    fn forget(&self, listener: Option<Function>) {
        if let Some(f) = listener {
            let _ = self
                .signal()
                .remove_event_listener_with_callback("abort", &f);
        }
    }

    /// Waits `ms` milliseconds, or until the call is stopped.
    pub async fn sleep(&self, ms: f64) -> Result<(), Stop> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        let signal = self.signal();
        let mut timer = JsValue::UNDEFINED;
        let mut listener = None;
        let promise = Promise::new(&mut |resolve, _reject| {
            timer = set_timeout(&resolve, ms);
            let _ = signal.add_event_listener_with_callback("abort", &resolve);
            listener = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
        clear_timeout(&timer);
        self.forget(listener);
        self.stopped().map_or(Ok(()), Err)
    }

    /// Runs `future` until it ends or the call is stopped, whichever comes
    /// first: a fetch that ignores its signal (a patched `fetch`, a body that
    /// never ends) still ends at the deadline or the caller's abort.
    pub async fn until_stopped<F: Future>(&self, future: F) -> Result<F::Output, Stop> {
        Race {
            work: Box::pin(future),
            guard: self,
        }
        .await
    }

    /// Settles `promise`, unless the call is stopped first.
    pub async fn settle(&self, promise: Promise) -> Result<Result<JsValue, JsValue>, Stop> {
        if let Some(stop) = self.stopped() {
            return Err(stop);
        }
        let (stopped, listener) = self.stopped_promise();
        let result = JsFuture::from(Promise::race(&Array::of2(&promise, &stopped))).await;
        self.forget(listener);
        match self.stopped() {
            Some(stop) => Err(stop),
            None => Ok(result),
        }
    }
}

/// Polls `work` until it ends, or until the guard stops (its deadline and
/// abort handlers wake this task): no promise or closure per race.
struct Race<'a, F: Future> {
    work: Pin<Box<F>>,
    guard: &'a CallGuard,
}

impl<F: Future> Future for Race<'_, F> {
    type Output = Result<F::Output, Stop>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(stop) = self.guard.stopped() {
            return Poll::Ready(Err(stop));
        }
        if let Poll::Ready(output) = self.work.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if let Ok(mut w) = self.guard.waker.try_borrow_mut() {
            *w = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some((signal, on_abort)) = &self.caller {
            let _ = unwatch(signal, on_abort.as_ref().unchecked_ref());
        }
        // Cancels a fetch still in flight (only when the call's future was dropped
        // mid-fetch: a call that ran to its end has none, and is spared an `Error`).
        if self.in_flight.get() {
            abort(&self.controller, "retryExecution dropped");
        }
    }
}
