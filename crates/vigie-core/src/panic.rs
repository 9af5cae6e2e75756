//! Turning a panic into an error for one input: the boundary every batch loop uses so that
//! a bug met on one article never ends a run.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`; if it panics, returns `Err` with the panic's message instead of unwinding
/// further.
///
/// `f` is treated as unwind-safe: callers use it where a panic abandons the input being
/// worked on, whose partial state is dropped.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

/// The message a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        let word = "é";
        let error = catch_panic(|| word[..1].to_owned()).unwrap_err();
        assert!(error.contains("char boundary"), "{error}");
        let error = catch_panic(|| -> u8 { panic!("{} {}", "formatted", 2) }).unwrap_err();
        assert_eq!(error, "formatted 2");
    }
}
