//! OpenID Connect: discovery documents, UserInfo and RP-initiated logout. (ID tokens are
//! minted in `token::jwt`.)

pub mod discovery;
pub mod logout;
pub mod userinfo;
