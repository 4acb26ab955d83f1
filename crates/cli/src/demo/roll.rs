//! The demo's roll: 十里社区 with six branches, about 216 members, their
//! accounts, some 1,300 households and the links between them. The people of
//! the article are on it with the parts they play in its story.

use super::names::{self, NameBook, STREETS};
use crate::failure::Failure;
use jiff::civil::{Date, date};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use starledger_domain::org::{
    Account, BranchId, CommunityId, HouseholdId, LinkingDuty, Member, PartyGroupId, PersonName, Phone, Role,
};
use starledger_store::{NewAccount, NewHousehold, NewMember, WriteTx};

/// What a member does in the demo's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Story {
    Ordinary,
    /// 梁小改: five-star every year, and got her households to tidy their yards.
    LiangXiaogai,
    /// 胡国杰: named among this year's winners.
    NamedWinner,
    /// 胡国强 and 彭雅丽: five-star this year through steady volunteer service.
    SteadyVolunteer,
    /// Quarrelled with his brother over supporting their parents, lost points
    /// at the moral review, missed five stars, and regained them next year.
    MoralSetback,
}

pub struct DemoMember {
    pub member: Member,
    /// How reliably the member attends, studies and visits (0 to 1).
    pub diligence: f64,
    /// How readily the member answers volunteer notices, per demo year.
    pub affinity: [f64; 2],
    pub story: Story,
    pub households: Vec<HouseholdId>,
    pub committee_of_branch: bool,
}

pub struct DemoBranch {
    pub id: BranchId,
    pub groups: Vec<PartyGroupId>,
    /// Index into `Roll::accounts`.
    pub secretary: usize,
}

pub struct Roll {
    pub community: CommunityId,
    pub branches: Vec<DemoBranch>,
    pub members: Vec<DemoMember>,
    pub accounts: Vec<Account>,
    /// Indexes into `accounts` of the committee, the secretary first.
    pub committee: Vec<usize>,
    pub households: Vec<(HouseholdId, Option<usize>)>,
}

impl Roll {
    pub fn named(&self, name: &str) -> &DemoMember {
        self.members.iter().find(|m| m.member.name.as_str() == name).expect("story member exists")
    }
}

const BRANCHES: [(&str, usize, &str); 6] = [
    ("第一党支部（东街）", 42, "东街"),
    ("第二党支部（西街）", 38, "西街"),
    ("第三党支部（南街）", 36, "南街"),
    ("第四党支部（北街）", 40, "北街"),
    ("第五党支部（新区）", 34, "新区"),
    ("老干部党支部", 26, "十里铺"),
];

/// A person of the article (or of the committee) placed on the roll by name.
struct Placed {
    name: &'static str,
    branch: usize,
    post: Option<&'static str>,
    story: Story,
    diligence: f64,
    affinity: [f64; 2],
}

const fn placed(
    name: &'static str,
    branch: usize,
    post: Option<&'static str>,
    story: Story,
    diligence: f64,
    affinity: [f64; 2],
) -> Placed {
    Placed { name, branch, post, story, diligence, affinity }
}

const PLACED: [Placed; 8] = [
    placed("梁雍宏", 0, Some("党委书记"), Story::Ordinary, 0.9, [0.5, 0.5]),
    placed("胡卫东", 1, Some("党委副书记"), Story::Ordinary, 0.85, [0.4, 0.4]),
    placed("李秀兰", 2, Some("党委委员"), Story::Ordinary, 0.85, [0.4, 0.4]),
    placed("梁小改", 0, None, Story::LiangXiaogai, 1.0, [0.95, 0.95]),
    placed("胡国杰", 1, None, Story::NamedWinner, 0.97, [0.7, 0.75]),
    placed("胡国强", 0, None, Story::SteadyVolunteer, 0.72, [0.08, 1.0]),
    placed("彭雅丽", 3, None, Story::SteadyVolunteer, 0.72, [0.08, 1.0]),
    placed("李长松", 2, None, Story::MoralSetback, 0.86, [0.35, 0.35]),
];

struct Builder<'a> {
    tx: &'a mut WriteTx,
    rng: &'a mut ChaCha8Rng,
    names: NameBook,
    community: CommunityId,
}

pub async fn build(tx: &mut WriteTx, rng: &mut ChaCha8Rng) -> Result<Roll, Failure> {
    let community = tx.create_community("十里社区").await?;
    let mut names = NameBook::default();
    for person in &PLACED {
        names.reserve(person.name);
    }
    let mut builder = Builder { tx, rng, names, community };
    let mut roll = Roll {
        community,
        branches: Vec::new(),
        members: Vec::new(),
        accounts: Vec::new(),
        committee: Vec::new(),
        households: Vec::new(),
    };

    for (index, (branch_name, size, _)) in BRANCHES.iter().enumerate() {
        let branch_id = builder.tx.add_branch(community, branch_name).await?;
        let group_count = if index == 5 { 2 } else { 3 };
        let mut groups = Vec::new();
        for g in 0..group_count {
            groups.push(
                builder.tx.add_party_group(community, branch_id, &format!("第{}党小组", ["一", "二", "三"][g])).await?,
            );
        }
        let placed: Vec<&Placed> = PLACED.iter().filter(|p| p.branch == index).collect();
        for slot in 0..*size {
            let spec = builder.member_spec(index, slot, placed.get(slot.wrapping_sub(3)).copied());
            let member = builder.add_member(branch_id, branch_name, &groups, &spec).await?;
            roll.members.push(member);
        }
        roll.branches.push(DemoBranch { id: branch_id, groups, secretary: usize::MAX });
    }
    builder.add_accounts(&mut roll).await?;
    builder.add_households(&mut roll).await?;
    builder.import_history(&roll).await?;
    Ok(roll)
}

/// How one member is set up.
struct Spec {
    name: Option<&'static str>,
    post: Option<String>,
    exempt: Option<String>,
    probationary: bool,
    joined_on: Date,
    left_on: Option<Date>,
    story: Story,
    diligence: f64,
    affinity: [f64; 2],
    committee_of_branch: bool,
}

/// The first year of the demo's history, as a calendar year.
fn first_year() -> i16 {
    i16::try_from(super::history()[0]).expect("a year of this era")
}

impl Builder<'_> {
    /// Slots 0-2 of each branch are its secretary and two committee members;
    /// slots 3.. take the placed people of the branch, then ordinary members.
    fn member_spec(&mut self, branch: usize, slot: usize, placed: Option<&Placed>) -> Spec {
        let rng = &mut *self.rng;
        let diligence = 0.25 + 0.7 * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>()) / 3.0;
        let affinity = 0.08 + 0.45 * diligence * rng.random::<f64>();
        let seasoned =
            date(rng.random_range(1975..first_year() - 3), rng.random_range(1..=12), rng.random_range(1..=28));
        let mut spec = Spec {
            name: None,
            post: None,
            exempt: None,
            probationary: false,
            joined_on: seasoned,
            left_on: None,
            story: Story::Ordinary,
            diligence,
            affinity: [affinity, affinity * (0.9 + 0.2 * rng.random::<f64>())],
            committee_of_branch: false,
        };
        match slot {
            0 => {
                spec.post = Some("支部书记".into());
                spec.committee_of_branch = true;
                spec.diligence = 0.8 + 0.15 * rng.random::<f64>();
            }
            1 | 2 => {
                spec.post = Some("支部委员".into());
                spec.committee_of_branch = true;
                spec.diligence = 0.7 + 0.2 * rng.random::<f64>();
            }
            _ => {}
        }
        if let Some(person) = placed {
            spec.name = Some(person.name);
            spec.post = person.post.map(str::to_string);
            spec.story = person.story;
            spec.diligence = person.diligence;
            spec.affinity = person.affinity;
            spec.joined_on = date(1995 + (slot as i16 % 7), 7, 1);
            return spec;
        }
        // Who is who among the ordinary members of a branch, by slot.
        let last = BRANCHES[branch].1 - 1;
        match (branch, slot) {
            (5, s) if s >= 3 && s % 5 != 0 => {
                spec.exempt = Some("年老体弱".into());
                spec.diligence *= 0.7;
            }
            (0..=4, s) if s == last => {
                spec.probationary = true;
                spec.joined_on = date(first_year(), 7, 1);
            }
            (1, 9) | (3, 11) => spec.exempt = Some("长期患病".into()),
            (0, 20) => spec.joined_on = date(first_year() + 1, 3, 1),
            (2, 20) => spec.joined_on = date(first_year() + 1, 9, 15),
            (4, 2) => spec.left_on = Some(date(first_year(), 8, 31)),
            _ => {}
        }
        spec
    }

    async fn add_member(
        &mut self,
        branch_id: BranchId,
        branch: &str,
        groups: &[PartyGroupId],
        spec: &Spec,
    ) -> Result<DemoMember, Failure> {
        let name = match spec.name {
            Some(name) => name.to_string(),
            None => self.names.fresh(self.rng),
        };
        let phone = Phone::parse(&names::phone(self.rng)).map_err(Failure::failed)?;
        let group = groups[self.rng.random_range(0..groups.len())];
        let new = NewMember {
            community_id: self.community,
            branch_id,
            party_group_id: Some(group),
            name: PersonName::parse(&name).map_err(Failure::failed)?,
            phone: Some(phone.clone()),
            probationary: spec.probationary,
            post: spec.post.clone(),
            linking_exempt_reason: spec.exempt.clone(),
            joined_on: Some(spec.joined_on),
            left_on: spec.left_on,
            note: match spec.story {
                Story::LiangXiaogai => Some("连续九年获评五星级党员；带动联系户整治庭院".into()),
                Story::MoralSetback => Some("曾因赡养父母问题与兄弟争执，道德评议扣分；次年改正，重获五星".into()),
                _ => None,
            },
        };
        let id = self.tx.add_member(&new).await?;
        Ok(DemoMember {
            member: Member {
                id,
                community_id: self.community,
                branch_id,
                branch: branch.to_string(),
                party_group_id: Some(group),
                name: new.name,
                phone: Some(phone),
                probationary: spec.probationary,
                linking: LinkingDuty::from_parts(spec.post.as_deref(), spec.exempt.as_deref()),
                joined_on: Some(spec.joined_on),
                left_on: spec.left_on,
            },
            diligence: spec.diligence,
            affinity: spec.affinity,
            story: spec.story,
            households: Vec::new(),
            committee_of_branch: spec.committee_of_branch,
        })
    }

    async fn add_account(
        &mut self,
        roll: &mut Roll,
        login: &str,
        role: Role,
        member: Option<usize>,
        branch: Option<BranchId>,
        name: Option<&str>,
    ) -> Result<usize, Failure> {
        let person = member.map(|m| &roll.members[m].member);
        let new = NewAccount {
            community_id: self.community,
            login: login.to_string(),
            name: name.map(str::to_string).or_else(|| person.map(|p| p.name.to_string())).unwrap_or_default(),
            role,
            member_id: person.map(|p| p.id),
            branch_id: branch,
        };
        let id = self.tx.add_account(&new).await?;
        roll.accounts.push(Account {
            id,
            community_id: self.community,
            login: new.login,
            name: new.name,
            role,
            member_id: new.member_id,
            branch_id: branch,
        });
        Ok(roll.accounts.len() - 1)
    }

    async fn add_accounts(&mut self, roll: &mut Roll) -> Result<(), Failure> {
        /// The people who sign in as the committee or as themselves.
        const ACCOUNT_HOLDERS: [&str; 7] = ["梁雍宏", "胡卫东", "李秀兰", "梁小改", "胡国杰", "胡国强", "彭雅丽"];
        let index_of =
            |roll: &Roll, name: &str| roll.members.iter().position(|m| m.member.name.as_str() == name).expect("placed");
        for (login, name) in [("liangyonghong", "梁雍宏"), ("huweidong", "胡卫东"), ("lixiulan", "李秀兰")] {
            let member = index_of(roll, name);
            let account = self.add_account(roll, login, Role::Committee, Some(member), None, None).await?;
            roll.committee.push(account);
        }
        for b in 0..roll.branches.len() {
            let branch_id = roll.branches[b].id;
            // One person, one account: the secretary is the branch's first
            // member who has no account of another kind.
            let has_account = |name: &str| ACCOUNT_HOLDERS.contains(&name);
            let secretary = roll
                .members
                .iter()
                .position(|m| m.member.branch_id == branch_id && !has_account(m.member.name.as_str()))
                .expect("branch has members");
            let account = self
                .add_account(
                    roll,
                    &format!("branch{}", b + 1),
                    Role::BranchSecretary,
                    Some(secretary),
                    Some(branch_id),
                    None,
                )
                .await?;
            roll.branches[b].secretary = account;
        }
        self.add_account(roll, "auditor", Role::Auditor, None, None, Some("赵明（纪检委员）")).await?;
        for (login, name) in
            [("liangxiaogai", "梁小改"), ("huguojie", "胡国杰"), ("huguoqiang", "胡国强"), ("pengyali", "彭雅丽")]
        {
            let member = index_of(roll, name);
            self.add_account(roll, login, Role::Member, Some(member), None, None).await?;
        }
        Ok(())
    }

    /// Each member without a post links 5-10 households near home; a dozen
    /// newly arrived households are not linked yet, and one member has too
    /// few, so the coverage report has something to show.
    async fn add_households(&mut self, roll: &mut Roll) -> Result<(), Failure> {
        let mut house_numbers = [0u32; 6];
        let linked_on = date(first_year() - 1, 12, 20);
        for index in 0..roll.members.len() {
            let member = &roll.members[index].member;
            if !member.linking.is_linked() || member.left_on.is_some() {
                continue;
            }
            let (member_id, branch_id) = (member.id, member.branch_id);
            let branch = roll.branches.iter().position(|b| b.id == branch_id).expect("branch");
            let count = if index == 40 { 4 } else { 5 + self.rng.random_range(0..=3) + self.rng.random_range(0..=2) };
            for _ in 0..count {
                let id = self.add_household(branch, &mut house_numbers).await?;
                self.tx.link_household(self.community, id, member_id, linked_on, "demo").await?;
                roll.members[index].households.push(id);
                roll.households.push((id, Some(index)));
            }
        }
        for n in 0..12 {
            let id = self.add_household(n % 5, &mut house_numbers).await?;
            roll.households.push((id, None));
        }
        Ok(())
    }

    async fn add_household(&mut self, branch: usize, numbers: &mut [u32; 6]) -> Result<HouseholdId, Failure> {
        numbers[branch] += 1;
        let street = STREETS[branch];
        let head = self.names.fresh_any(self.rng);
        let phone = if self.rng.random_bool(0.7) { Phone::parse(&names::phone(self.rng)).ok() } else { None };
        let household = NewHousehold {
            community_id: self.community,
            address: format!("十里社区{street}{}号", numbers[branch]),
            head_name: Some(head),
            phone,
        };
        Ok(self.tx.add_household(&household).await?)
    }

    /// Stars from before starledger: 梁小改's streak began seven years
    /// before the demo's history, 胡国杰's three.
    async fn import_history(&mut self, roll: &Roll) -> Result<(), Failure> {
        let liang = roll.named("梁小改").member.id;
        for year in first_year() - 7..first_year() {
            let year = starledger_domain::org::Year::new(i64::from(year)).map_err(Failure::failed)?;
            self.tx.import_honour(self.community, liang, year, 5, "纸质档案录入").await?;
        }
        let hu = roll.named("胡国杰").member.id;
        for year in first_year() - 3..first_year() {
            let year = starledger_domain::org::Year::new(i64::from(year)).map_err(Failure::failed)?;
            self.tx.import_honour(self.community, hu, year, 4, "纸质档案录入").await?;
        }
        Ok(())
    }
}
