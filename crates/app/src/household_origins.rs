//! Where household ratings came from, for the auditor (issue 10, item 7):
//! a rating cast from the same device or address as a committee or branch
//! secretary's account, and a device or address from which many different
//! households rated, are flagged. Flags are prompts for people to look at,
//! never penalties.
//!
//! Neither the address nor the device's cookie is kept: only a keyed hash
//! of each (HMAC-SHA-256 under a secret of this installation, kept in the
//! database's `meta` table), so that two ratings or a rating and a sign-in
//! can be seen to share a device or an address, and what they were cannot
//! be read back from the flags (docs/privacy.md).
//!
//! [`flags`] is self-contained and answers plain rows (kind, a description
//! in Chinese and English, the ledger entries behind it), so that an
//! anomalies page can list them beside its own.

use crate::clock;
use crate::error::AppResult;
use sha2::{Digest, Sha256};
use starledger_domain::org::{Account, CommunityId, HouseholdId, Role, Year};
use starledger_store::{LinkQueries, OrgQueries, RatingOrigin, WriteTx};
use std::collections::{BTreeMap, BTreeSet};

/// Different households rating from one device before it is flagged.
pub const MANY_FROM_ONE_DEVICE: usize = 3;
/// Different households rating from one address before it is flagged: an
/// address is shared more often than a phone (a family's Wi-Fi, a
/// carrier's shared address), so the bar is higher.
pub const MANY_FROM_ONE_ADDRESS: usize = 5;
/// How long the origins of officials' sign-ins are kept: two years, enough
/// to compare with a year's ratings and the year before.
pub const SIGN_IN_ORIGIN_DAYS: i64 = 2 * 366;

/// Where a request came from, as the front-end saw it: the device's cookie
/// (if it sent one) and the client's address. Only keyed hashes of them are
/// stored.
#[derive(Clone, Copy, Debug)]
pub struct Origin<'a> {
    pub device: Option<&'a str>,
    pub address: &'a str,
}

/// Where the installation's key is kept (`meta`).
pub(crate) const KEY: &str = "origin_key";

/// The installation's key, made on first use.
async fn key(tx: &mut WriteTx) -> AppResult<String> {
    if let Some(key) = tx.meta(KEY).await? {
        return Ok(key);
    }
    let key = crate::household_links::new_secret();
    tx.set_meta(KEY, &key).await?;
    Ok(key)
}

/// HMAC-SHA-256 (RFC 2104) of `message` under `key`, as hex.
fn hmac(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    hex::encode(outer.finalize())
}

/// The keyed hashes of a device and an address (each in its own domain).
pub(crate) async fn hashes(tx: &mut WriteTx, origin: Origin<'_>) -> AppResult<(Option<String>, String)> {
    let key = key(tx).await?;
    Ok(keyed_hashes(&key, origin))
}

fn keyed_hashes(key: &str, origin: Origin<'_>) -> (Option<String>, String) {
    let device = origin.device.map(|d| hmac(key.as_bytes(), format!("device\0{d}").as_bytes()));
    let address = hmac(key.as_bytes(), format!("address\0{}", origin.address).as_bytes());
    (device, address)
}

/// Records where a committee or branch secretary's account signed in from;
/// other accounts' sign-ins are not recorded here.
pub async fn record_sign_in(tx: &mut WriteTx, account: &Account, origin: Origin<'_>) -> AppResult<()> {
    if !matches!(account.role, Role::Committee | Role::BranchSecretary) {
        return Ok(());
    }
    let (device, address) = hashes(tx, origin).await?;
    let now = clock::now();
    let forget_before = now - SIGN_IN_ORIGIN_DAYS * 24 * 3600;
    tx.record_sign_in_origin(account.community_id, account.id, device.as_deref(), &address, now, forget_before).await?;
    Ok(())
}

/// What a flag is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FlagKind {
    /// Ratings from a device an official signed in from.
    OfficialsDevice,
    /// Ratings from an address an official signed in from.
    OfficialsAddress,
    /// Many households from one device.
    ManyFromOneDevice,
    /// Many households from one address.
    ManyFromOneAddress,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::OfficialsDevice => "officials_device",
            FlagKind::OfficialsAddress => "officials_address",
            FlagKind::ManyFromOneDevice => "many_from_one_device",
            FlagKind::ManyFromOneAddress => "many_from_one_address",
        }
    }
}

/// One flag: what, said in Chinese and English, and the ledger entries
/// (household ratings) behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginFlag {
    pub kind: FlagKind,
    pub zh: String,
    pub en: String,
    pub entries: Vec<i64>,
}

fn role_zh(role: &str) -> &'static str {
    match role {
        "committee" => "党委",
        "branch_secretary" => "支部书记",
        _ => "账号",
    }
}

/// The year's flags about where household ratings came from: ratings from
/// the device or address of a committee or branch secretary's sign-in (of
/// this year or the year before), and devices (at least
/// [`MANY_FROM_ONE_DEVICE`] households) or addresses (at least
/// [`MANY_FROM_ONE_ADDRESS`]) from which many different households rated.
pub async fn flags<Q: LinkQueries + OrgQueries>(
    q: &mut Q,
    community: CommunityId,
    year: Year,
) -> AppResult<Vec<OriginFlag>> {
    let ratings = q.rating_origins(community, i64::from(year.get())).await?;
    let tz = clock::china();
    let start_of =
        |y: i16| jiff::civil::date(y, 1, 1).to_zoned(tz.clone()).map(|z| z.timestamp().as_second()).unwrap_or(0);
    let (from, until) = (start_of(year.get() - 1), start_of(year.get() + 1));
    let sign_ins = q.sign_in_origins(community, from, until).await?;
    let mut out = Vec::new();

    // Officials' devices and addresses, per account.
    for (kind, pick) in [
        (FlagKind::OfficialsDevice, (|o: &RatingOrigin| o.device_hash.clone()) as fn(&RatingOrigin) -> Option<String>),
        (FlagKind::OfficialsAddress, |o: &RatingOrigin| Some(o.address_hash.clone())),
    ] {
        let mut by_account: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
        for sign_in in &sign_ins {
            let hash = match kind {
                FlagKind::OfficialsDevice => sign_in.device_hash.clone(),
                _ => Some(sign_in.address_hash.clone()),
            };
            let Some(hash) = hash else { continue };
            for rating in ratings.iter().filter(|r| pick(r).as_deref() == Some(hash.as_str())) {
                by_account.entry((sign_in.login.clone(), sign_in.role.clone())).or_default().insert(rating.entry_id);
            }
        }
        for ((login, role), entries) in by_account {
            let n = entries.len();
            let (zh, en) = match kind {
                FlagKind::OfficialsDevice => (
                    format!("{n} 条联系户评议所用的设备，{}账号 {login} 也在该设备上登录过", role_zh(&role)),
                    format!(
                        "{n} household ratings came from a device that the {} account {login} signed in from",
                        role.replace('_', " ")
                    ),
                ),
                _ => (
                    format!("{n} 条联系户评议所用的网络地址，{}账号 {login} 也从该地址登录过", role_zh(&role)),
                    format!(
                        "{n} household ratings came from an address that the {} account {login} signed in from",
                        role.replace('_', " ")
                    ),
                ),
            };
            out.push(OriginFlag { kind, zh, en, entries: entries.into_iter().collect() });
        }
    }

    // Many households from one device, or from one address.
    for (kind, threshold) in
        [(FlagKind::ManyFromOneDevice, MANY_FROM_ONE_DEVICE), (FlagKind::ManyFromOneAddress, MANY_FROM_ONE_ADDRESS)]
    {
        let mut by_origin: BTreeMap<String, (BTreeSet<HouseholdId>, Vec<i64>)> = BTreeMap::new();
        for rating in &ratings {
            let hash = match kind {
                FlagKind::ManyFromOneDevice => rating.device_hash.clone(),
                _ => Some(rating.address_hash.clone()),
            };
            let Some(hash) = hash else { continue };
            let slot = by_origin.entry(hash).or_default();
            slot.0.insert(rating.household_id);
            slot.1.push(rating.entry_id);
        }
        let mut found: Vec<(BTreeSet<HouseholdId>, Vec<i64>)> =
            by_origin.into_values().filter(|(households, _)| households.len() >= threshold).collect();
        found.sort_by_key(|(_, entries)| entries.first().copied());
        for (households, entries) in found {
            let n = households.len();
            let (zh, en) = match kind {
                FlagKind::ManyFromOneDevice => (
                    format!("同一设备上有 {n} 户不同的联系户评议（提示阈值：{threshold} 户）"),
                    format!("{n} different households rated from one device (flagged from {threshold})"),
                ),
                _ => (
                    format!("同一网络地址有 {n} 户不同的联系户评议（提示阈值：{threshold} 户）"),
                    format!("{n} different households rated from one address (flagged from {threshold})"),
                ),
            };
            out.push(OriginFlag { kind, zh, en, entries });
        }
    }
    Ok(out)
}

/// Records where a household's rating came from, in the rating's transaction.
pub(crate) async fn record_rating(
    tx: &mut WriteTx,
    community: CommunityId,
    household: HouseholdId,
    entry: i64,
    year: i64,
    origin: Origin<'_>,
    known_key: Option<String>,
) -> AppResult<()> {
    // A key read before the transaction is the key: once made it is never
    // replaced (`key`).
    let key = match known_key {
        Some(key) => key,
        None => key(tx).await?,
    };
    let (device_hash, address_hash) = keyed_hashes(&key, origin);
    let row = RatingOrigin { entry_id: entry, household_id: household, device_hash, address_hash };
    tx.record_rating_origin(community, &row, year, clock::now()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hmac;

    /// RFC 4231, test case 2.
    #[test]
    fn hmac_sha256_matches_the_rfc() {
        assert_eq!(
            hmac(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
