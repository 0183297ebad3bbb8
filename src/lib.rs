//! # sigil
//!
//! An OAuth 2.1 / OpenID Connect authorization server and token service. Browsers log
//! people in at `/authorize` (authorization code + PKCE); clients get, refresh,
//! introspect and revoke tokens at `/token`, `/introspect` and `/revoke`.
//!
//! ## The layers (calls go down only)
//!
//! - [`http`]: actix-web only. Extracts and parses requests, renders responses. No
//!   actix type appears below it.
//! - [`oauth`], [`oidc`], [`login`]: the protocols, over typed values ([`domain`]).
//!   `login` knows nothing of OAuth; `oauth::authorize` calls it.
//! - [`services`]: what the protocols share (configuration, clock, store, revocation
//!   list, keys, password pool), and the one check of an access token.
//! - [`token`]: JWT minting and verification, opaque token formats, the key ring.
//! - [`store`] and [`revocation`]: traits chosen once at start-up, with Postgres/SQLite
//!   and Redis/in-process implementations. The store is the `sigil-store` crate, its
//!   backends a crate each, so that sqlx checks every statement against each schema.
//! - [`domain`] (the `sigil-domain` crate), [`crypto`], [`clock`]: typed values,
//!   ring-backed primitives and argon2id on a bounded pool, the only reader of time.
//!   [`branding`] (the pages' name, colours, logo and stylesheet) is a leaf too, read
//!   by [`config`] and used by `http`'s templates.
//!
//! `tests/api/layering.rs` holds the table of who may import whom, and fails on an
//! import that runs back up. [`app::Application`] wires the layers; [`config::Config`] is
//! read once. Start with `oauth::grant` for tokens, `oauth::authorize` for login.

#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod audit;
pub mod branding;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod events;
pub mod housekeeping;
pub mod http;
pub mod keys;
pub mod limits;
pub mod login;
pub mod metrics;
pub mod oauth;
pub mod oidc;
pub mod redis_client;
pub mod revocation;
pub mod services;
pub mod store;
pub mod telemetry;
pub mod token;

pub use sigil_domain as domain;
