//! OpenID Connect: discovery documents. (ID tokens are minted in `token::jwt`.)

pub mod discovery;
