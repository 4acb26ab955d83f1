//! Accounts (issue 12): the committee creates one for a person with a
//! one-time password, resets a password, and disables an account. The
//! page and the command line both come here.
//!
//! One person, one account: a member of the roll has at most one active
//! account in their community (the store refuses a second one, and a
//! unique index backs it); an account that acts on points is a member's
//! (`duty::acting_person` refuses any other). An account for a member
//! takes the member's name; a branch secretary's answers for a branch, by
//! default the member's own. The password is hashed by the caller (the
//! web's argon2id), so only its hash reaches here; a new or reset password
//! must be changed at the next sign-in, and a reset or disabling ends the
//! account's sessions. Nobody resets or disables their own account here.

use crate::error::{AppResult, invalid, refused};
use crate::ledger::actor_label;
use starledger_domain::duty;
use starledger_domain::org::{Account, AccountId, BranchId, MemberId, PersonName, Role};
use starledger_store::{NewAccount, OrgQueries, WriteTx};

/// A new account as a form or a command gives it.
#[derive(Clone, Debug)]
pub struct NewLogin {
    pub login: String,
    pub role: Role,
    /// The member the account belongs to; `None` only for a login that acts
    /// on no points (an auditor, or a committee login before it is linked).
    pub member: Option<MemberId>,
    /// The name shown; a member's account takes the member's name.
    pub name: Option<PersonName>,
    /// A branch secretary's branch (default: the member's).
    pub branch: Option<BranchId>,
}

/// A login is 1-32 of a-z, 0-9, `_` and `.`.
pub fn check_login(login: &str) -> AppResult<()> {
    let valid = !login.is_empty()
        && login.len() <= 32
        && login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if valid {
        Ok(())
    } else {
        Err(invalid(
            format!("账号“{login}”：请用 1 至 32 个小写字母、数字、_ 或 .。"),
            format!("login \"{login}\": use 1-32 of a-z, 0-9, _ and ."),
        ))
    }
}

/// Creates an account with a one-time password (its hash); its id.
pub async fn create(tx: &mut WriteTx, actor: &Account, new: NewLogin, password_hash: &str) -> AppResult<AccountId> {
    duty::may_administer(actor, "add accounts")?;
    let community = actor.community_id;
    check_login(&new.login)?;
    let member = match new.member {
        Some(id) => {
            let member = tx.member(community, id).await?;
            if member.left_on.is_some_and(|left| left < crate::clock::today()) {
                return Err(refused(
                    format!("{} 已离开名册，不能新建账号。", member.name),
                    format!("{} has left the roll: no new account", member.name),
                ));
            }
            Some(member)
        }
        None => None,
    };
    if member.is_none() && new.role != Role::Auditor && new.role != Role::Committee {
        return Err(invalid(
            format!("{}账号须属于名册上的一名党员：请选择。", new.role.label_zh()),
            format!("a {} account belongs to a member of the roll: name one", new.role),
        ));
    }
    let name = match (&member, new.name) {
        (Some(m), _) => m.name.to_string(),
        (None, Some(name)) => name.to_string(),
        (None, None) => return Err(invalid("姓名：这是谁的账号？", "name: whose account is it?")),
    };
    let branch = match new.role {
        Role::BranchSecretary => {
            let branch = new.branch.or(member.as_ref().map(|m| m.branch_id));
            let Some(branch) = branch else {
                return Err(invalid("支部书记账号须指定支部。", "a branch secretary's account names a branch"));
            };
            if !tx.has_branch(community, branch).await? {
                return Err(invalid(
                    format!("编号为 {branch} 的支部不属于本社区。"),
                    format!("branch {branch} is not one of this community's"),
                ));
            }
            Some(branch)
        }
        _ => None,
    };
    let account = NewAccount {
        community_id: community,
        login: new.login.clone(),
        name,
        role: new.role,
        member_id: new.member,
        branch_id: branch,
    };
    let id = tx.add_account(&account).await?;
    tx.set_password(id, password_hash, true).await?;
    let member_text = new.member.map(|m| format!("member {m}")).unwrap_or_else(|| "no member".into());
    let branch_text = branch.map(|b| format!(", branch {b}")).unwrap_or_default();
    let detail = format!(
        "account {id} {}: before (none); after role={}, {member_text}{branch_text}, one-time password",
        new.login, new.role
    );
    tx.audit(Some(community), &actor_label(actor), "account.add", &detail).await?;
    Ok(id)
}

/// The community's account `id`, active.
async fn target(tx: &mut WriteTx, actor: &Account, id: AccountId, what: &str) -> AppResult<Account> {
    let community = actor.community_id;
    let found = tx.accounts(community).await?.into_iter().find(|a| a.id == id);
    let Some(found) = found else {
        return Err(invalid(
            format!("第 {id} 号账号不属于本社区。"),
            format!("account {id} is not one of this community's"),
        ));
    };
    if tx.disabled_accounts(community).await?.contains(&id) {
        return Err(refused(format!("账号 {} 已停用。", found.login), format!("account {} is disabled", found.login)));
    }
    if found.id == actor.id {
        return Err(refused(
            "不能对自己的账号进行此操作；请另一名委员办理。",
            format!("an account does not {what} itself; ask another committee member"),
        ));
    }
    Ok(found)
}

/// Gives an account a new one-time password (its hash); its sessions end.
pub async fn reset_password(tx: &mut WriteTx, actor: &Account, id: AccountId, password_hash: &str) -> AppResult<()> {
    duty::may_administer(actor, "reset passwords")?;
    let account = target(tx, actor, id, "reset the password of").await?;
    tx.set_password(account.id, password_hash, true).await?;
    tx.delete_sessions_of(account.id).await?;
    let detail =
        format!("account {} {}: before password set; after one-time password, sessions ended", id, account.login);
    tx.audit(Some(actor.community_id), &actor_label(actor), "account.reset_password", &detail).await?;
    Ok(())
}

/// Disables an account: it signs in no more, its sessions end, its past
/// acts stay under its name. The person may then be given a new account.
pub async fn disable(tx: &mut WriteTx, actor: &Account, id: AccountId) -> AppResult<Account> {
    duty::may_administer(actor, "disable accounts")?;
    let account = target(tx, actor, id, "disable").await?;
    tx.disable_account(actor.community_id, account.id).await?;
    let detail = format!("account {} {}: before active; after disabled, sessions ended", id, account.login);
    tx.audit(Some(actor.community_id), &actor_label(actor), "account.disable", &detail).await?;
    Ok(account)
}

/// Ties an account that belongs to nobody to the member it is.
pub async fn link(tx: &mut WriteTx, actor: &Account, id: AccountId, member: MemberId) -> AppResult<String> {
    duty::may_administer(actor, "link accounts to members")?;
    let community = actor.community_id;
    let account = tx.accounts(community).await?.into_iter().find(|a| a.id == id);
    let Some(account) = account else {
        return Err(invalid(
            format!("第 {id} 号账号不属于本社区。"),
            format!("account {id} is not one of this community's"),
        ));
    };
    if let Some(linked) = account.member_id {
        return Err(refused(
            format!("账号 {} 已属于党员 {linked}。", account.login),
            format!("account {} already belongs to member {linked}", account.login),
        ));
    }
    let person = tx.member(community, member).await?;
    tx.link_account(community, id, member).await?;
    let detail = format!("account {id} {}: before no member; after member {member}", account.login);
    tx.audit(Some(community), &actor_label(actor), "account.link", &detail).await?;
    Ok(person.name.to_string())
}
