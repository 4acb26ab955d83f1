//! Personal API tokens: made and revoked by their owner, each with a scope
//! and an end. A token acts as its owner's account — the same person behind
//! it, so every duty and recusal check of the use cases applies unchanged;
//! its scope only narrows what the account may already do. Only the
//! SHA-256 of a token's secret is kept; the secret is shown once.

use crate::error::{AppResult, invalid, refused};
use crate::ledger::actor_label;
use starledger_domain::org::{Account, Role};
use starledger_store::{ApiTokenHolder, ApiTokenQueries, WriteTx};

/// The longest a token may live: a year.
pub const MAX_DAYS: i64 = 365;
/// The longest a token's name may be, in characters.
pub const MAX_NAME_CHARS: usize = 60;
/// How often a token's last use is written, at most (seconds): reads stay cheap.
pub const TOUCH_EVERY: i64 = 60;
/// What every token's secret starts with, so that a leaked one is recognized.
pub const SECRET_PREFIX: &str = "slt_";

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Read what the account may read.
    Read,
    /// Read, and record and reverse entries the account may record.
    Record,
}

impl Scope {
    pub fn parse(text: &str) -> AppResult<Scope> {
        match text {
            "read" => Ok(Scope::Read),
            "record" => Ok(Scope::Record),
            other => Err(invalid(
                format!("权限范围“{other}”无效：应为只读或记入。"),
                format!("scope \"{other}\" is unknown: use read or record"),
            )),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Record => "record",
        }
    }

    /// The scopes column: `read`, or `read record`.
    fn stored(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Record => "read record",
        }
    }

    /// The scope a stored token has.
    pub fn of_stored(scopes: &str) -> Scope {
        if scopes.split(' ').any(|s| s == "record") { Scope::Record } else { Scope::Read }
    }
}

/// The scopes an account may give its tokens: an auditor reads only; the
/// others may record too (whether they may record a given entry is the
/// use case's duty check, as on the pages).
pub fn scopes_for(role: Role) -> &'static [Scope] {
    match role {
        Role::Auditor => &[Scope::Read],
        Role::Committee | Role::BranchSecretary | Role::Member => &[Scope::Read, Scope::Record],
    }
}

/// A token to make: its name, scope and life in days.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub scope: Scope,
    pub days: i64,
    /// The SHA-256 (hex) of the secret the caller made and shows once.
    pub secret_sha256: &'a str,
}

/// Makes a token for `owner`; its id.
pub async fn create(tx: &mut WriteTx, owner: &Account, new: NewToken<'_>, now: i64) -> AppResult<i64> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(invalid("令牌需要一个名称：写明由什么使用它。", "the token needs a name: say what will use it"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(
            format!("令牌名称最多 {MAX_NAME_CHARS} 个字。"),
            format!("the token's name is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if !(1..=MAX_DAYS).contains(&new.days) {
        return Err(invalid(
            format!("令牌有效期为 1 至 {MAX_DAYS} 天，不能是 {} 天。", new.days),
            format!("a token lives 1 to {MAX_DAYS} days, not {}", new.days),
        ));
    }
    if !scopes_for(owner.role).contains(&new.scope) {
        return Err(refused(
            format!("{}账号只能创建只读令牌。", owner.role.label_zh()),
            format!("a {} account may make read tokens only", owner.role.as_str().replace('_', " ")),
        ));
    }
    let expires_at = now + new.days * 24 * 3600;
    let id = tx.add_api_token(owner.id, name, new.scope.stored(), new.secret_sha256, now, expires_at).await?;
    let detail = format!("token {id} \"{name}\" scope {} for {} days", new.scope.key(), new.days);
    tx.audit(Some(owner.community_id), &actor_label(owner), "api_token.create", &detail).await?;
    Ok(id)
}

/// Revokes the owner's token `id`: only the owner revokes their tokens.
pub async fn revoke(tx: &mut WriteTx, owner: &Account, id: i64, now: i64) -> AppResult<()> {
    if !tx.revoke_api_token(owner.id, id, now).await? {
        return Err(refused(
            format!("第 {id} 号令牌不是您的有效令牌。"),
            format!("token {id} is not a live token of yours"),
        ));
    }
    tx.audit(Some(owner.community_id), &actor_label(owner), "api_token.revoke", &format!("token {id}")).await?;
    Ok(())
}

/// The live token with this secret's hash and the account it acts for.
pub async fn authenticate<Q: ApiTokenQueries>(
    q: &mut Q,
    secret_sha256: &str,
    now: i64,
) -> AppResult<Option<ApiTokenHolder>> {
    Ok(q.live_api_token(secret_sha256, now).await?)
}

/// Whether the token's last use should be written now (at most once a
/// [`TOUCH_EVERY`], so that reading costs no write each time).
pub fn due_for_touch(holder: &ApiTokenHolder, now: i64) -> bool {
    holder.token.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY)
}

/// Notes the token's use.
pub async fn touch(tx: &mut WriteTx, holder: &ApiTokenHolder, now: i64) -> AppResult<()> {
    Ok(tx.touch_api_token(holder.token.id, now).await?)
}
