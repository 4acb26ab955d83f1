//! A household's private link (`/r/TOKEN`, the QR on its card) and what
//! keeps a printed or photographed card from being enough to rate with
//! (issue 10, item 7):
//!
//! - **Binding.** The first time a link is opened on a device, the
//!   household proves itself with the last four digits of its phone on the
//!   roll. A household with no phone on the roll proves itself with a
//!   one-time visit code that a committee account issues and brings to a
//!   visit (the binding names that account). A proof binds the device: it
//!   gets a long-lived cookie whose secret's hash is kept; rating needs it.
//! - **A bound on wrong proofs.** [`MAX_WRONG_PROOFS`] wrong proofs lock the
//!   link until the committee replaces it. Each wrong proof is counted in
//!   the database and audited; proofs made once it is locked are counted,
//!   not stored one by one.
//! - **Replacement.** The committee replaces a lost card's link
//!   ([`replace`]); printing a card that was printed before gives it a new
//!   link ([`crate::print::cards_pdf`]). A replaced link says only that the
//!   card was replaced.
//!
//! The page only translates what these answer.

use crate::clock;
use crate::error::{AppError, AppResult, refused};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use starledger_domain::duty;
use starledger_domain::ledger::Actor;
use starledger_domain::org::{Account, CommunityId, HouseholdId};
use starledger_store::{LinkGuard, LinkQueries, OrgQueries, RatingQueries, StoreError, WriteTx};

/// Wrong proofs a link takes before it is locked (stated on the page).
pub const MAX_WRONG_PROOFS: i64 = 5;
/// How long a visit code may wait for its visit.
pub const VISIT_CODE_DAYS: i64 = 14;
/// How long a device stays bound (its cookie's life): about 400 days, the
/// longest a browser keeps a cookie.
pub const BINDING_SECONDS: i64 = 400 * 24 * 3600;

/// A new secret: 256 random bits as 64 hex characters (a link's token, a
/// device's binding secret).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// What is kept of a binding secret or a visit code: its SHA-256.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Equality of two secrets without an early exit.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How a household proves itself on a new device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The last four digits of the phone on the roll.
    PhoneDigits,
    /// No phone on the roll: a visit code from the committee. `issued`
    /// says whether one is waiting to be typed.
    VisitCode { issued: bool },
}

/// A link that leads to a household.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenLink {
    pub community: CommunityId,
    pub household: HouseholdId,
    /// Whether this device proved itself for this link.
    pub bound: bool,
    pub proof: Proof,
    /// Wrong proofs left before the link locks.
    pub tries_left: i64,
}

/// What a token leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// No such link.
    Unknown,
    /// The card was replaced (reprinted or replaced by the committee): the
    /// household has a new card. Nothing else is said.
    Replaced,
    /// Locked after too many wrong proofs, until the committee replaces it.
    Locked,
    Open(OpenLink),
}

fn proof_of(guard: &LinkGuard, phone: Option<&str>, now: i64) -> Proof {
    match phone {
        Some(_) => Proof::PhoneDigits,
        None => Proof::VisitCode { issued: live_visit_code(guard, now).is_some() },
    }
}

fn live_visit_code(guard: &LinkGuard, now: i64) -> Option<&str> {
    guard.visit_code_sha256.as_deref().filter(|_| guard.visit_code_expires.is_some_and(|until| until > now))
}

/// The last four digits of a phone on the roll, if it has one.
fn last_four(phone: Option<&str>) -> Option<String> {
    let digits: String = phone?.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_string())
}

async fn guard_and_phone<Q: LinkQueries + OrgQueries>(
    q: &mut Q,
    token: &str,
) -> AppResult<Result<(LinkGuard, Option<String>), Link>> {
    let Some(guard) = q.link_guard(token).await? else { return Ok(Err(Link::Unknown)) };
    if guard.revoked {
        return Ok(Err(Link::Replaced));
    }
    if guard.locked {
        return Ok(Err(Link::Locked));
    }
    let household = q.household(guard.community_id, guard.household_id).await?;
    Ok(Ok((guard, household.phone)))
}

/// Follows a token: to its household, and whether the device holding
/// `binding` (its cookie's secret, if it has one) is bound to it.
pub async fn open<Q: LinkQueries + OrgQueries>(q: &mut Q, token: &str, binding: Option<&str>) -> AppResult<Link> {
    let (guard, phone) = match guard_and_phone(q, token).await? {
        Ok(found) => found,
        Err(link) => return Ok(link),
    };
    let bound = match binding {
        Some(secret) => q.is_bound(token, &secret_hash(secret)).await?,
        None => false,
    };
    Ok(Link::Open(OpenLink {
        community: guard.community_id,
        household: guard.household_id,
        bound,
        proof: proof_of(&guard, phone.as_deref(), clock::now()),
        tries_left: (MAX_WRONG_PROOFS - guard.failed_tries).max(0),
    }))
}

/// What a proof did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proved {
    /// The device holding the new secret is bound.
    Bound,
    /// Wrong: counted; this many tries are left.
    Wrong { tries_left: i64 },
    /// Not four digits (or not eight for a visit code): not counted.
    Malformed,
    /// The household has no phone on the roll and no visit code waits.
    NeedsVisit,
    /// The link cannot be proved for (unknown, replaced, locked); a proof
    /// made to a locked link is counted.
    Gone(Link),
}

/// A household proves itself on a device: right, the device (holding
/// `new_secret` in its cookie from now on) is bound to the link; wrong, the
/// try is counted and, at the bound, the link locked. Commit whatever it answers.
pub async fn prove(tx: &mut WriteTx, token: &str, typed: &str, new_secret: &str) -> AppResult<Proved> {
    let (guard, phone) = match guard_and_phone(tx, token).await? {
        Ok(found) => found,
        Err(Link::Locked) => {
            tx.count_refused_proof(token).await?;
            return Ok(Proved::Gone(Link::Locked));
        }
        Err(link) => return Ok(Proved::Gone(link)),
    };
    let now = clock::now();
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let actor = Actor::Household(guard.household_id).to_string();
    let community = Some(guard.community_id);
    let (right, how, bound_by) = match last_four(phone.as_deref()) {
        Some(digits) => {
            if typed.len() != 4 || !typed.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Proved::Malformed);
            }
            (same(&typed, &digits), "digits", None)
        }
        None => {
            let Some(code) = live_visit_code(&guard, now) else { return Ok(Proved::NeedsVisit) };
            if typed.len() != VISIT_CODE_DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(Proved::Malformed);
            }
            (same(&secret_hash(&typed), code), "visit", guard.visit_code_by)
        }
    };
    if !right {
        let failed = tx.count_failed_proof(token, MAX_WRONG_PROOFS, now).await?;
        let locked = failed >= MAX_WRONG_PROOFS;
        let detail = format!(
            "wrong proof {failed} of {MAX_WRONG_PROOFS} for household {}{}",
            guard.household_id,
            if locked { "; link locked until the committee replaces it" } else { "" }
        );
        tx.audit(community, &actor, "household.bind.failed", &detail).await?;
        return Ok(if locked {
            Proved::Gone(Link::Locked)
        } else {
            Proved::Wrong { tries_left: MAX_WRONG_PROOFS - failed }
        });
    }
    tx.bind_device(token, &secret_hash(new_secret), how, bound_by, now).await?;
    if how == "visit" {
        // A visit code binds one device.
        tx.set_visit_code(token, None).await?;
    }
    let detail = match bound_by {
        Some(account) => {
            format!("a device bound for household {} by the visit code of account:{account}", guard.household_id)
        }
        None => format!("a device bound for household {} by the phone's last four digits", guard.household_id),
    };
    tx.audit(community, &actor, "household.bind", &detail).await?;
    Ok(Proved::Bound)
}

/// The digits of a visit code.
pub const VISIT_CODE_DIGITS: usize = 8;

/// The committee issues a one-time code that binds one device to a
/// household's link at a visit (for a household with no phone on the roll,
/// or one that cannot receive it). The code is shown once; only its hash is
/// kept, and the binding it makes names the account that issued it.
pub async fn issue_visit_code(tx: &mut WriteTx, actor: &Account, household: HouseholdId) -> AppResult<String> {
    duty::may_administer(actor, "issue a household's visit code")?;
    let community = actor.community_id;
    tx.household(community, household).await?;
    let token = tx.live_tokens(community).await?.remove(&household).ok_or_else(|| {
        refused("该户没有有效的评议链接：请先生成链接。", "this household has no live link: issue its link first")
    })?;
    if tx.link_guard(&token).await?.is_some_and(|g| g.locked) {
        return Err(refused(
            "该户的评议链接已锁定：请先补发联系卡。",
            "this household's link is locked: replace its card first",
        ));
    }
    let mut bytes = [0u8; 8];
    OsRng.try_fill_bytes(&mut bytes).expect("the operating system provides randomness");
    let code = format!("{:08}", u64::from_le_bytes(bytes) % 100_000_000);
    let expires = clock::now() + VISIT_CODE_DAYS * 24 * 3600;
    tx.set_visit_code(&token, Some((&secret_hash(&code), actor.id, expires))).await?;
    let detail = format!("visit code for household {household}, valid {VISIT_CODE_DAYS} days");
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "household.visit_code", &detail).await?;
    Ok(code)
}

/// Gives every linked household without a live link a new one; answers how many.
pub async fn issue_missing(tx: &mut WriteTx, actor: &Account) -> AppResult<usize> {
    duty::may_administer(actor, "issue household links")?;
    let community = actor.community_id;
    let tokens = tx.live_tokens(community).await?;
    let households = tx.households(community).await?;
    let now = clock::now();
    let mut issued = 0;
    for household in households.iter().filter(|h| h.member_id.is_some() && !tokens.contains_key(&h.id)) {
        tx.issue_household_token(community, household.id, &new_secret(), now).await?;
        issued += 1;
    }
    tx.audit(Some(community), &crate::ledger::actor_label(actor), "household.links.issue", &format!("{issued} links"))
        .await?;
    Ok(issued)
}

/// Ends a household's link for good (a lost card, a locked link) and gives
/// it a new one, whose card is yet to be printed.
pub async fn replace(tx: &mut WriteTx, actor: &Account, household: HouseholdId) -> AppResult<()> {
    duty::may_administer(actor, "replace a household's link")?;
    let community = actor.community_id;
    // The household must be this community's: the query is scoped by it.
    tx.household(community, household).await?;
    rotate(tx, community, household, "replaced").await?;
    tx.audit(
        Some(community),
        &crate::ledger::actor_label(actor),
        "household.link.revoke",
        &format!("household {household}"),
    )
    .await?;
    Ok(())
}

/// Revokes the household's live link (saying why) and issues a new one;
/// answers the new token.
pub(crate) async fn rotate(
    tx: &mut WriteTx,
    community: CommunityId,
    household: HouseholdId,
    reason: &str,
) -> AppResult<String> {
    let old = tx.live_tokens(community).await?.remove(&household);
    let token = new_secret();
    tx.issue_household_token(community, household, &token, clock::now()).await?;
    if let Some(old) = old {
        tx.set_revoked_reason(&old, reason).await?;
    }
    Ok(token)
}

/// The household behind a bound device's link, for what only the household
/// may do (rate, download its receipts); refused as not found otherwise.
pub async fn bound_household<Q: LinkQueries + OrgQueries>(
    q: &mut Q,
    token: &str,
    binding: Option<&str>,
) -> AppResult<Option<(CommunityId, HouseholdId)>> {
    // As `open` follows it, without the household's phone: which proof the
    // link asks for does not matter to a device that is bound already.
    let Some(guard) = q.link_guard(token).await? else {
        return Err(AppError::Store(StoreError::not_found("household link", 0)));
    };
    if guard.revoked || guard.locked {
        return Err(AppError::Store(StoreError::not_found("household link", 0)));
    }
    let bound = match binding {
        Some(secret) => q.is_bound(token, &secret_hash(secret)).await?,
        None => false,
    };
    Ok(bound.then_some((guard.community_id, guard.household_id)))
}
