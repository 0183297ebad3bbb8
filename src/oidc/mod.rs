//! OpenID Connect: discovery documents and UserInfo. (ID tokens are minted in
//! `token::jwt`.)

pub mod discovery;
pub mod userinfo;
