//! Changing one's own password, required at the first sign-in: any account,
//! a community's or an overseer's. The rules are the account's, whatever
//! the front-end: the new password is long enough and not the old one; the
//! current one is checked again, and a wrong one counts like a wrong
//! password at sign-in (a stolen session must not become an unlimited
//! password oracle), locking the account and ending its sessions at the
//! limit; a change ends every session of the account, the one it was made
//! from included, which continues under a new id.
//!
//! The argon2id work (about a second of CPU each) runs before the write
//! transaction, so no write waits on it.

use crate::error::{AppResult, invalid};
use crate::secrets::{hash_password_blocking, random_token, sha256_hex, verify_password_blocking};
use starledger_domain::regions::Principal;
use starledger_store::{AccessQueries, Store, WriteTx};

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// How wrong current passwords are counted: as many as `max_failures` in a
/// row lock the account for `lockout_seconds` (the sign-in's own limits).
#[derive(Clone, Copy, Debug)]
pub struct Guessing {
    pub max_failures: i64,
    pub lockout_seconds: i64,
}

/// The session a change continues in: its lifetime and where it came from.
#[derive(Clone, Copy, Debug)]
pub struct Continuing<'a> {
    pub seconds: i64,
    pub origin: &'a str,
}

/// What became of a change.
#[derive(Debug)]
pub enum Changed {
    /// The password is changed; every session ended, and the one it was
    /// made from continues under this new token.
    Done { session: String },
    /// The current password was wrong; `locked` when this was one guess too
    /// many (the account is locked and its sessions ended).
    WrongPassword { locked: bool },
}

/// The new password's own rules, checked before anything is read.
fn check_new(current: &str, new: &str) -> AppResult<()> {
    if new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            format!("新密码至少{MIN_PASSWORD_CHARS}位"),
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if new == current {
        return Err(invalid("新密码不能与原密码相同", "choose a different password"));
    }
    Ok(())
}

/// Changes `principal`'s password from `current` to `new` at `now`; the
/// audit rows name `continuing.origin` (the client's address).
pub async fn change(
    store: &Store,
    principal: &Principal,
    current: String,
    new: String,
    now: i64,
    guessing: Guessing,
    continuing: Continuing<'_>,
) -> AppResult<Changed> {
    check_new(&current, &new)?;
    let account = principal.id();
    let community = principal.community_id();
    let actor = crate::ledger::account_label(account, principal.login());
    let stored = store.read().await?.credentials(principal.login()).await?.and_then(|c| c.password_hash);
    if !verify_password_blocking(current, stored.unwrap_or_default()).await {
        let mut tx = write(store, continuing.origin).await?;
        let locked = tx.record_failed_login(account, guessing.max_failures, now + guessing.lockout_seconds).await?;
        if locked {
            tx.delete_sessions_of(account).await?;
        }
        tx.audit(community, &actor, "password.change.failed", if locked { "account locked" } else { "" }).await?;
        tx.commit().await?;
        return Ok(Changed::WrongPassword { locked });
    }
    let hash = hash_password_blocking(new).await?;
    let session = random_token();
    let mut tx = write(store, continuing.origin).await?;
    tx.set_password(account, &hash, false).await?;
    tx.delete_sessions_of(account).await?;
    tx.create_session(
        &sha256_hex(&session),
        account,
        &random_token(),
        now,
        now + continuing.seconds,
        "password-change",
    )
    .await?;
    tx.audit(community, &actor, "password.change", "").await?;
    tx.commit().await?;
    Ok(Changed::Done { session })
}

/// A write beside every community's (accounts and sessions are no
/// community's data), whose audit rows name `origin`.
async fn write(store: &Store, origin: &str) -> AppResult<WriteTx> {
    let mut tx = store.write_shared().await?;
    tx.set_origin(origin);
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn a_new_password_is_long_enough_and_not_the_old_one() {
        let refused = |current: &str, new: &str| match check_new(current, new) {
            Err(AppError::Invalid(why)) => why.en,
            other => panic!("{new:?}: {other:?}"),
        };
        assert_eq!(refused("old password", "short1234"), "at least 10 characters");
        // Characters, not bytes: nine Chinese characters are 27 bytes.
        assert_eq!(refused("old password", "九个汉字的密码不够"), "at least 10 characters");
        assert_eq!(refused("the same one", "the same one"), "choose a different password");
        assert!(check_new("old password", "十个汉字的密码就够用了").is_ok());
        assert!(check_new("old password", "a brand new password").is_ok());
    }
}
