//! Attributes that leave a fn as written: rustc's built-in attributes and tool attributes, and
//! tracing's `#[instrument]`, which works on sync fns too. Any other attribute may be a macro
//! that rewrites the fn (and may need it `async`).

/// Single-segment attribute names that do not rewrite the fn.
pub const INERT_ATTRS: &[&str] = &[
    "doc",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "inline",
    "cold",
    "must_use",
    "deprecated",
    "track_caller",
    "instrument",
    "rustfmt",
    "clippy",
    "doc_cfg",
    "non_exhaustive",
    "no_mangle",
    "export_name",
    "link_section",
    "optimize",
    "coverage",
    "target_feature",
];

/// Tool namespaces whose attributes are inert (`#[rustfmt::skip]`, `#[clippy::msrv]`).
pub const INERT_TOOLS: &[&str] = &["rustfmt", "clippy"];

/// Paths of inert attributes of libraries (`#[tracing::instrument]`).
pub const INERT_PATHS: &[&str] = &["tracing::instrument"];

/// Future adapters that wrap a future to be awaited in place (`fetch().instrument(span).await`,
/// tracing's `Instrument`): the call under them is still awaited where it is made, not used as
/// a value. Trusted only directly before `.await`.
pub const AWAITED_ADAPTERS: &[&str] = &["instrument", "in_current_span"];
