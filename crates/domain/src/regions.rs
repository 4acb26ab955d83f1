//! The organization tree above the community, for a city or county that runs
//! one installation for all its communities: city (市) → county or district
//! (县/区) → street or town (街道/乡镇) → community or village (社区/村).
//! An overseer (组织部) acts for one region: it reads the aggregates of every
//! community below it and nothing about a member, household or rater.

use crate::org::{Account, AccountId, CommunityId};
use std::fmt;
use std::str::FromStr;

crate::id::id_type! {
    /// A region of the tree above the communities (市, 县/区, 街道/乡镇).
    RegionId
}

/// A level of the tree, by its depth from the city.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    /// 市
    City,
    /// 县/区
    County,
    /// 街道/乡镇
    Street,
}

impl RegionLevel {
    pub const ALL: [RegionLevel; 3] = [RegionLevel::City, RegionLevel::County, RegionLevel::Street];

    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Street => "street",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::City => "市",
            RegionLevel::County => "县/区",
            RegionLevel::Street => "街道/乡镇",
        }
    }

    /// The level at a depth of a path: the first name is a city.
    pub fn at_depth(depth: usize) -> Option<RegionLevel> {
        RegionLevel::ALL.get(depth).copied()
    }
}

impl fmt::Display for RegionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region level \"{0}\": use city, county or street")]
pub struct RegionLevelError(pub String);

impl FromStr for RegionLevel {
    type Err = RegionLevelError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RegionLevel::ALL.into_iter().find(|level| level.as_str() == text).ok_or_else(|| RegionLevelError(text.into()))
    }
}

/// A region as a path of names from the city down, written `淄博市/张店区/车站街道`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionPath(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionPathError {
    #[error("a region path names at least the city, e.g. 淄博市 or 淄博市/张店区/车站街道")]
    Empty,
    #[error("a region path has at most three levels (city/county/street); \"{0}\" has more")]
    TooDeep(String),
    #[error("\"{0}\" has an empty or over-long name in it; names are 1-40 characters without control characters")]
    BadName(String),
}

impl RegionPath {
    pub fn parse(text: &str) -> Result<Self, RegionPathError> {
        let names: Vec<String> = text.split('/').map(|name| name.trim().to_string()).collect();
        if text.trim().is_empty() {
            return Err(RegionPathError::Empty);
        }
        if names.len() > RegionLevel::ALL.len() {
            return Err(RegionPathError::TooDeep(text.into()));
        }
        let bad = |name: &String| name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control);
        if names.iter().any(bad) {
            return Err(RegionPathError::BadName(text.into()));
        }
        Ok(RegionPath(names))
    }

    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// The level of the region the path ends at.
    pub fn level(&self) -> RegionLevel {
        RegionLevel::at_depth(self.0.len() - 1).expect("a parsed path has one to three names")
    }
}

impl fmt::Display for RegionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("/"))
    }
}

/// A node of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    pub id: RegionId,
    pub parent_id: Option<RegionId>,
    pub level: RegionLevel,
    pub name: String,
}

/// The whole tree, read at once: it is small (a country has some tens of
/// thousands of streets and towns), so it is walked in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionTree(Vec<Region>);

impl RegionTree {
    pub fn new(regions: Vec<Region>) -> Self {
        RegionTree(regions)
    }

    pub fn get(&self, id: RegionId) -> Option<&Region> {
        self.0.iter().find(|r| r.id == id)
    }

    /// The regions directly below `parent`; the cities for none.
    pub fn children(&self, parent: Option<RegionId>) -> impl Iterator<Item = &Region> {
        self.0.iter().filter(move |r| r.parent_id == parent)
    }

    /// The region a path names, if every level of it exists.
    pub fn find(&self, path: &RegionPath) -> Option<&Region> {
        let mut found = None;
        for name in path.names() {
            found = Some(self.children(found.map(|r: &Region| r.id)).find(|r| &r.name == name)?);
        }
        found
    }

    /// A region's path from the city down, e.g. `淄博市/张店区/车站街道`.
    pub fn path(&self, id: RegionId) -> String {
        let mut names = Vec::new();
        let mut at = self.get(id);
        while let Some(region) = at {
            names.push(region.name.as_str());
            at = region.parent_id.and_then(|parent| self.get(parent));
        }
        names.reverse();
        names.join("/")
    }

    /// The overseer who decides for a community placed in `region` what its
    /// committee cannot (an integrity record below the floor once the
    /// recused are left out): the nearest one up the tree, its street or
    /// town first. The first of several on one region.
    pub fn deciding_overseer<'o>(&self, region: RegionId, overseers: &'o [Overseer]) -> Option<&'o Overseer> {
        let mut at = self.get(region);
        while let Some(node) = at {
            if let Some(found) = overseers.iter().filter(|o| o.region_id == node.id).min_by_key(|o| o.id) {
                return Some(found);
            }
            at = node.parent_id.and_then(|parent| self.get(parent));
        }
        None
    }

    /// A region and every region below it.
    pub fn subtree(&self, root: RegionId) -> Vec<RegionId> {
        let mut ids = vec![root];
        let mut next = 0;
        while next < ids.len() {
            let parent = ids[next];
            ids.extend(self.children(Some(parent)).map(|r| r.id));
            next += 1;
        }
        ids
    }
}

/// An account of a region's organization department: it sees the region's
/// aggregates and never a community's rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overseer {
    pub id: AccountId,
    pub region_id: RegionId,
    pub login: String,
    pub name: String,
}

/// Whoever signs in: an account of one community, or an overseer of a region.
/// Community pages take only the first, region pages only the second, so a
/// region's account cannot reach a community's rows by any route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Community(Account),
    Overseer(Overseer),
}

impl Principal {
    pub fn id(&self) -> AccountId {
        match self {
            Principal::Community(account) => account.id,
            Principal::Overseer(overseer) => overseer.id,
        }
    }

    /// The community whose audit log records this account's acts; none for
    /// an overseer, whose acts belong to the installation.
    pub fn community_id(&self) -> Option<CommunityId> {
        match self {
            Principal::Community(account) => Some(account.community_id),
            Principal::Overseer(_) => None,
        }
    }

    pub fn login(&self) -> &str {
        match self {
            Principal::Community(account) => &account.login,
            Principal::Overseer(overseer) => &overseer.login,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_gives_its_level_by_depth() {
        assert_eq!(RegionPath::parse("淄博市").unwrap().level(), RegionLevel::City);
        assert_eq!(RegionPath::parse("淄博市/张店区").unwrap().level(), RegionLevel::County);
        let street = RegionPath::parse(" 淄博市 / 张店区 / 车站街道 ").unwrap();
        assert_eq!(street.level(), RegionLevel::Street);
        assert_eq!(street.to_string(), "淄博市/张店区/车站街道");
    }

    #[test]
    fn a_tree_finds_paths_and_subtrees() {
        let region = |id, parent_id, level, name: &str| Region { id, parent_id, level, name: name.into() };
        let tree = RegionTree::new(vec![
            region(RegionId::new(1), None, RegionLevel::City, "许昌市"),
            region(RegionId::new(2), Some(RegionId::new(1)), RegionLevel::County, "甲区"),
            region(RegionId::new(3), Some(RegionId::new(2)), RegionLevel::Street, "甲街道"),
            region(RegionId::new(4), Some(RegionId::new(1)), RegionLevel::County, "乙区"),
            region(RegionId::new(5), None, RegionLevel::City, "淄博市"),
            region(RegionId::new(6), Some(RegionId::new(5)), RegionLevel::County, "甲区"),
        ]);
        assert_eq!(tree.find(&RegionPath::parse("许昌市/甲区/甲街道").unwrap()).map(|r| r.id), Some(RegionId::new(3)));
        assert_eq!(tree.find(&RegionPath::parse("淄博市/甲区").unwrap()).map(|r| r.id), Some(RegionId::new(6)));
        assert_eq!(tree.find(&RegionPath::parse("淄博市/甲区/甲街道").unwrap()), None);
        assert_eq!(tree.path(RegionId::new(3)), "许昌市/甲区/甲街道");
        assert_eq!(tree.subtree(RegionId::new(1)), [1, 2, 4, 3].map(RegionId::new));
        assert_eq!(tree.subtree(RegionId::new(5)), [5, 6].map(RegionId::new));
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        assert_eq!(RegionPath::parse(""), Err(RegionPathError::Empty));
        assert!(matches!(RegionPath::parse("a/b/c/d"), Err(RegionPathError::TooDeep(_))));
        assert!(matches!(RegionPath::parse("淄博市//车站街道"), Err(RegionPathError::BadName(_))));
    }

    #[test]
    fn the_nearest_overseer_up_the_tree_decides() {
        let region = |id, parent_id, level| Region { id, parent_id, level, name: format!("r{id}") };
        let tree = RegionTree::new(vec![
            region(RegionId::new(1), None, RegionLevel::City),
            region(RegionId::new(2), Some(RegionId::new(1)), RegionLevel::County),
            region(RegionId::new(3), Some(RegionId::new(2)), RegionLevel::Street),
        ]);
        let overseer = |id, region_id| Overseer { id, region_id, login: format!("o{id}"), name: String::new() };
        let county_and_city =
            [overseer(AccountId::new(10), RegionId::new(1)), overseer(AccountId::new(11), RegionId::new(2))];
        assert_eq!(
            tree.deciding_overseer(RegionId::new(3), &county_and_city).map(|o| o.id),
            Some(AccountId::new(11)),
            "the county, above the street"
        );
        let with_street = [
            overseer(AccountId::new(10), RegionId::new(1)),
            overseer(AccountId::new(11), RegionId::new(2)),
            overseer(AccountId::new(12), RegionId::new(3)),
        ];
        assert_eq!(
            tree.deciding_overseer(RegionId::new(3), &with_street).map(|o| o.id),
            Some(AccountId::new(12)),
            "the street's own"
        );
        assert_eq!(tree.deciding_overseer(RegionId::new(3), &[]), None, "nobody above: nobody decides");
    }
}
