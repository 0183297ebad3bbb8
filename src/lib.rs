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
//! - [`token`]: JWT minting and verification, opaque token formats, the key ring.
//! - [`crypto`]: ring-backed primitives, argon2id on a bounded pool.
//! - [`store`] and [`revocation`]: traits chosen once at start-up, with Postgres/SQLite
//!   and Redis/in-process implementations.
//!
//! [`app::Application`] wires them; [`config::Config`] is read once; [`clock`] is the only
//! reader of time. Start with `oauth::grant` for tokens, `oauth::authorize` for login.

#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod http;
pub mod login;
pub mod oauth;
pub mod oidc;
pub mod revocation;
pub mod services;
pub mod store;
pub mod token;

pub use sigil_domain as domain;
