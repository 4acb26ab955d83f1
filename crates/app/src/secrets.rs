//! Secrets: random tokens from the operating system, SHA-256 for what is
//! stored about them, argon2id for passwords (hashed off the async threads),
//! and a comparison that takes the same time whatever matches. One module
//! for the pages, the API and the command line (accounts, the demo, the
//! benches): the web crate re-exports it as `security`.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// A random token of 256 bits, as 64 hex characters.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// Whether `text` has the form of [`random_token`]'s tokens (64 lowercase
/// hex characters). A household link's token is checked for it before any
/// rate-limit bookkeeping or database lookup: nothing else can be a link.
pub fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A password a person can type from a printout: 12 characters without
/// look-alikes (no 0/O, 1/l/I).
pub fn readable_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    OsRng.try_fill_bytes(&mut bytes).expect("the operating system provides randomness");
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

/// Equality of two secrets in time that says nothing about either: their
/// digests are compared without an early exit. An empty secret matches
/// nothing, so a missing cookie and a missing field never make a pair.
pub fn same_secret(offered: &str, expected: &str) -> bool {
    if offered.is_empty() || expected.is_empty() {
        return false;
    }
    let (a, b) = (Sha256::digest(offered.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// argon2id with the crate's recommended parameters, in PHC string form.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// Hashing takes tens of milliseconds of CPU: keep it off the async threads.
pub async fn hash_password_blocking(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(|e| HashError(e.to_string()))?
}

pub async fn verify_password_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false)
}

/// A hash of a random password, computed once: checking a login that does
/// not exist against it costs as much as checking a real one.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_are_long() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_eq!(random_token().len(), 64);
        assert!(is_token(&random_token()));
        assert!(!is_token(&"F".repeat(64)) && !is_token(&"a".repeat(63)) && !is_token(&"a".repeat(60_000)));
        assert_ne!(random_token(), random_token());
        assert_eq!(readable_password().len(), 12);
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab"));
    }
}
