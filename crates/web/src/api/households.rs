//! The API's household writes: adding and editing a household and linking
//! households to members, through the use cases the roll and households
//! pages call (`app::roll::add_household`, `edit_household`, `relink`):
//! the committee only, audited before and after, the rulebook's maximum
//! of linked households. The head's phone is answered masked, as the
//! pages list it.

use super::auth::Caller;
use super::idempotency;
use super::problem::{ApiResult, Problem};
use crate::calendar::current_period;
use crate::error::Why;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use starledger_app::api_tokens::Scope;
use starledger_app::roll::{self, HouseholdFields, PhoneChange};
use starledger_domain::org::{CommunityId, HouseholdId, MemberId, Phone};
use starledger_domain::rulebook::Rulebook;
use starledger_store::{OrgQueries, WriteTx};

/// A household as `GET /api/v1/households` lists it.
async fn household_json(tx: &mut WriteTx, community: CommunityId, id: HouseholdId) -> ApiResult<Value> {
    let h = tx.household(community, id).await?;
    let branch = match h.member_id {
        Some(member) => Some(tx.member(community, member).await?.branch_id),
        None => None,
    };
    Ok(json!({
        "id": h.id,
        "address": h.address,
        "head_name": h.head_name,
        "head_phone_masked": h.phone_masked(),
        "member_id": h.member_id,
        "member_name": h.member_name,
        "branch_id": branch,
    }))
}

/// A field given, even as `null` (`Some(None)`), told from a field left out.
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HouseholdBody {
    #[serde(default, deserialize_with = "given")]
    address: Option<String>,
    #[serde(default, deserialize_with = "given")]
    head_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    phone: Option<Option<String>>,
}

/// `phone`: left out keeps it, `null` removes it, a number replaces it.
fn phone_change(phone: &Option<Option<String>>) -> ApiResult<PhoneChange> {
    match phone {
        None => Ok(PhoneChange::Keep),
        Some(None) => Ok(PhoneChange::Remove),
        Some(Some(raw)) => Phone::parse(raw).map(PhoneChange::Set).map_err(|e| {
            Problem::new("invalid", Why::new(format!("phone（手机）：{}", e.zh()), format!("phone: {e}")))
        }),
    }
}

/// The body of an add or an edit; the app checks the address and the
/// head's name.
fn checked(caller: &Caller, body: &[u8]) -> ApiResult<HouseholdBody> {
    caller.require_scope(Scope::Record)?;
    let input: HouseholdBody = super::parse_json(body)?;
    Ok(input)
}

/// `POST /api/v1/households`: adds a household (the committee, as
/// /households/new); `address` is required.
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input = checked(&caller, &body)?;
    let key = idempotency::optional_key(&headers)?;
    let request = idempotency::request_hash("POST /api/v1/households", &body);
    let Some(address) = input.address.clone() else {
        return Err(Problem::new("invalid", Why::new("address（地址）：必须填写。", "address: required")));
    };
    let fields =
        HouseholdFields { address, head: input.head_name.clone().flatten(), phone: phone_change(&input.phone)? };
    let mut tx = caller.write(&state).await?;
    if let Some(replayed) = idempotency::replay_if_keyed(&mut tx, &caller, key.as_deref(), &request).await? {
        return Ok(replayed);
    }
    let id = roll::add_household(&mut tx, &caller.account, fields).await?;
    let answer = household_json(&mut tx, caller.account.community_id, id).await?;
    idempotency::commit_answer(tx, &caller, key, request, StatusCode::CREATED, answer).await
}

/// `PATCH /api/v1/households/{id}`: edits a household (the committee, as
/// /households/{id}/edit); a field left out stays as it is.
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<HouseholdId>,
    body: Bytes,
) -> ApiResult<Response> {
    let input = checked(&caller, &body)?;
    let phone = phone_change(&input.phone)?;
    let community = caller.account.community_id;
    let mut tx = caller.write(&state).await?;
    // The role is checked before anything of the household is read.
    starledger_domain::duty::may_administer(&caller.account, "edit a household")?;
    let current = tx.household(community, id).await?;
    let fields = HouseholdFields {
        address: input.address.unwrap_or(current.address),
        head: match input.head_name {
            Some(head) => head,
            None => current.head_name,
        },
        phone,
    };
    roll::edit_household(&mut tx, &caller.account, id, fields).await?;
    let answer = household_json(&mut tx, community, id).await?;
    tx.commit().await?;
    Ok(super::json(StatusCode::OK, &answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    household_id: HouseholdId,
    member_id: MemberId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinksBody {
    links: Vec<Link>,
}

/// `POST /api/v1/households/links`: links (or relinks) households to
/// members through `app::roll::relink`, as the households page does: the
/// committee only; the member on the roll, linking households, with room
/// under the rulebook's maximum. All or nothing.
pub async fn link(State(state): State<AppState>, caller: Caller, body: Bytes) -> ApiResult<Response> {
    caller.require_scope(Scope::Record)?;
    let input: LinksBody = super::parse_json(&body)?;
    if input.links.is_empty() || input.links.len() > 1000 {
        return Err(Problem::new(
            "invalid",
            Why::new("links：应有 1 到 1000 条。", "links: 1 to 1000 links are taken"),
        ));
    }
    let pairs: Vec<(HouseholdId, MemberId)> = input.links.iter().map(|l| (l.household_id, l.member_id)).collect();
    let community = caller.account.community_id;
    let mut tx = caller.write(&state).await?;
    starledger_domain::duty::may_administer(&caller.account, "link households")?;
    let rulebook = current_period(&mut tx, community).await?.map_or_else(Rulebook::default_rulebook, |p| p.rulebook);
    let changed = roll::relink(&mut tx, &caller.account, &rulebook.linking, &pairs).await?;
    let mut items = Vec::new();
    for (household, _) in &pairs {
        items.push(household_json(&mut tx, community, *household).await?);
    }
    tx.commit().await?;
    Ok(super::json(StatusCode::OK, &json!({ "changed": changed, "items": items })))
}
