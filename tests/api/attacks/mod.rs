//! The attack battery a security team expects: each attack refused with the exact
//! answer, and the store unchanged afterwards.

mod jwt;
mod requests;
