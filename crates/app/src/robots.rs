//! Group robots (群机器人) as the committee sets them up: which platform, which
//! group, the webhook URL (only to the platform's own host: a robot's URL
//! must not reach a service inside the server's network), switched on and
//! off, and a message whose delivery is uncertain or failed settled by a
//! person who looked at the group. Only the committee does any of it, and
//! each act is audited. The web crate's sender posts the messages and
//! checks the URL again before each post.

use crate::error::{AppResult, invalid, refused};
use crate::ledger::actor_label;
use starledger_domain::duty;
use starledger_domain::org::Account;
use starledger_store::{NewRobot, OutboxQueries, StoreError, WriteTx};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    WeCom,
    DingTalk,
    Feishu,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::WeCom, Platform::DingTalk, Platform::Feishu];

    pub fn key(self) -> &'static str {
        match self {
            Platform::WeCom => "wecom",
            Platform::DingTalk => "dingtalk",
            Platform::Feishu => "feishu",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::WeCom => "企业微信",
            Platform::DingTalk => "钉钉",
            Platform::Feishu => "飞书",
        }
    }

    pub fn parse(key: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// The webhook hosts of the three platforms: a robot posts to these and to
/// nothing else, so that a robot's URL cannot reach a service inside the
/// server's network.
fn webhook_hosts(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::WeCom => &["qyapi.weixin.qq.com"],
        Platform::DingTalk => &["oapi.dingtalk.com"],
        Platform::Feishu => &["open.feishu.cn", "open.larksuite.com"],
    }
}

/// A robot URL is `https://` to its platform's own webhook host, on the
/// default port, with no user or password in it. `allow_loopback` (set only
/// by tests, which post to a receiver on this machine) also lets
/// `http://127.0.0.1:PORT/...` through.
pub fn check_url(platform: Platform, url: &str, allow_loopback: bool) -> Result<(), String> {
    if url.len() > 500 {
        return Err("a robot URL is at most 500 characters".into());
    }
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("a robot URL carries no user name or password".into());
    }
    let host = parsed.host_str().unwrap_or_default();
    if allow_loopback && parsed.scheme() == "http" && matches!(host, "127.0.0.1" | "[::1]") {
        return Ok(());
    }
    let hosts = webhook_hosts(platform);
    let on_platform = parsed.scheme() == "https" && parsed.port().is_none() && hosts.contains(&host);
    if on_platform {
        Ok(())
    } else {
        Err(format!("a {} robot URL starts with https://{}/", platform.label(), hosts[0]))
    }
}

/// A robot as the committee's form gives it.
#[derive(Clone, Debug)]
pub struct Draft<'a> {
    pub platform: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    pub secret: &'a str,
}

/// Adds a robot at `now`; its id. `allow_loopback` as in [`check_url`].
pub async fn add(
    tx: &mut WriteTx,
    actor: &Account,
    draft: Draft<'_>,
    allow_loopback: bool,
    now: i64,
) -> AppResult<i64> {
    duty::may_administer(actor, "set up group robots")?;
    let platform = Platform::parse(draft.platform).ok_or_else(|| {
        invalid(format!("平台“{}”无效。", draft.platform), format!("platform: \"{}\"", draft.platform))
    })?;
    let (name, url, secret) = (draft.name.trim(), draft.url.trim(), draft.secret.trim());
    if name.is_empty() {
        return Err(invalid("名称：请写明此机器人发往哪个群。", "name: say which group this robot posts to"));
    }
    check_url(platform, url, allow_loopback).map_err(|e| invalid(format!("地址：{e}"), format!("url: {e}")))?;
    if platform == Platform::WeCom && !secret.is_empty() {
        return Err(invalid(
            "密钥：企业微信机器人不使用签名，请留空。",
            "secret: WeCom robots are not signed; leave it empty",
        ));
    }
    let community = actor.community_id;
    let id = tx
        .add_robot(&NewRobot {
            community_id: community,
            platform: platform.key().into(),
            name: name.into(),
            url: url.into(),
            secret: (!secret.is_empty()).then(|| secret.to_string()),
            created_by: actor.id,
            created_at: now,
        })
        .await?;
    let detail = format!("robot {id} {} {name}", platform.key());
    tx.audit(Some(community), &actor_label(actor), "robot.add", &detail).await?;
    Ok(id)
}

/// Switches a robot of the actor's community on or off.
pub async fn set_enabled(tx: &mut WriteTx, actor: &Account, id: i64, enabled: bool) -> AppResult<()> {
    duty::may_administer(actor, "set up group robots")?;
    let community = actor.community_id;
    if !tx.set_robot_enabled(community, id, enabled).await? {
        return Err(StoreError::not_found("robot", id).into());
    }
    tx.audit(Some(community), &actor_label(actor), "robot.enable", &format!("robot {id}: {enabled}")).await?;
    Ok(())
}

/// Settles an uncertain or failed message by hand at `now`: sent again
/// (`resend`) or marked as sent, after a person looked at the group.
pub async fn settle(tx: &mut WriteTx, actor: &Account, id: i64, resend: bool, now: i64) -> AppResult<()> {
    duty::may_administer(actor, "settle robot messages")?;
    let community = actor.community_id;
    tx.outbox_message(community, id).await?;
    if !tx.settle_message(community, id, resend, now).await? {
        return Err(refused(
            "只有状态不明或发送失败的消息可以手工处理。",
            "only an uncertain or failed message is settled by hand",
        ));
    }
    let action = if resend { "resend" } else { "mark_sent" };
    tx.audit(Some(community), &actor_label(actor), "outbox.settle", &format!("message {id}: {action}")).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robot_posts_only_to_its_platform_s_webhook_host() {
        let d = Platform::DingTalk;
        assert!(check_url(d, "https://oapi.dingtalk.com/robot/send?access_token=x", false).is_ok());
        assert!(check_url(Platform::WeCom, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", false).is_ok());
        assert!(check_url(Platform::Feishu, "https://open.feishu.cn/open-apis/bot/v2/hook/x", false).is_ok());
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://example.org/hook",
            "https://oapi.dingtalk.com.evil.example/robot/send",
            "https://user@oapi.dingtalk.com/robot/send",
            "https://oapi.dingtalk.com:8443/robot/send",
            "http://oapi.dingtalk.com/robot/send",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
            "file:///etc/passwd",
        ] {
            assert!(check_url(d, url, false).is_err(), "{url} is refused");
        }
        assert!(check_url(d, "http://127.0.0.1:9000/hook", true).is_ok(), "a test's receiver");
        assert!(check_url(d, "http://10.0.0.1/hook", true).is_err(), "loopback only, even in tests");
    }
}
