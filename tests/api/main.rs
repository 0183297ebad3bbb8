//! sigil's one integration-test binary: a module per feature, each test run against the
//! embedded backend (SQLite + in-process revocation) and against Postgres + Redis.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot proceed should panic"
)]

mod helpers;

mod account_changes;
mod attacks;
mod audit_trail;
mod authorize;
mod bad_input;
mod cli;
mod client_credentials;
mod code_exchange;
mod consent;
mod corrupt_rows;
mod deployment;
mod discovery;
mod docs;
mod faults;
mod hot_paths;
mod housekeeping;
mod introspect_revoke;
mod keys;
mod layering;
mod limits;
mod login;
mod logout;
mod logs;
mod metrics;
mod pages;
mod placement;
mod refresh;
mod refresh_batches;
mod schema;
mod shared_state;
mod survival;
mod tls;
mod userinfo;
