//! The ids of the organization's rows (a member, a household, an account,
//! a community, a branch, a party group, a region), each its own type, so
//! that a household's id passed where a member's is wanted no longer
//! compiles.
//!
//! Each id is a row id, an `i64`, and looks like one wherever it leaves the
//! program: JSON (`#[serde(transparent)]`), URLs, forms and spreadsheets
//! (`Display` and `FromStr` are the bare number's), logs and audit details
//! (`Debug` is the bare number's too, so an audit row written with `{:?}`
//! reads as it always has), and the database.
//!
//! The database: with the `sqlx` feature (which `starledger-store` turns
//! on), each id implements sqlx's `Type`, `Encode` and `Decode` by
//! delegating to `i64`, for any database `i64` does (the store's `Any`
//! driver among them). So the store binds an id and reads one back
//! (`.bind(member)`, `query_as::<_, (MemberId, String)>`) with no
//! conversion at every query, and the column stays an integer. The
//! alternative, converting to and from `i64` at the store's boundary, would
//! touch every query that names an id for no gain in safety: the store
//! is where the ids come from. The domain itself stays free of I/O: the
//! feature adds trait impls only, and the domain's own build and tests run
//! without it.

/// Defines an id newtype over `i64` (see the module's documentation).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> Self {
                $name(raw)
            }

            /// The row id, for arithmetic and the few places that want a
            /// bare number.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(raw: i64) -> Self {
                $name(raw)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        /// The bare number, as before the id had a type of its own: audit
        /// details and logs written with `{:?}` read as they always have.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            i64: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            i64: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <i64 as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0, buf)
            }

            fn produces(&self) -> Option<DB::TypeInfo> {
                <i64 as sqlx::Encode<'q, DB>>::produces(&self.0)
            }

            fn size_hint(&self) -> usize {
                <i64 as sqlx::Encode<'q, DB>>::size_hint(&self.0)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            i64: sqlx::Decode<'r, DB>,
        {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                <i64 as sqlx::Decode<'r, DB>>::decode(value).map($name)
            }
        }
    };
}

pub(crate) use id_type;

#[cfg(test)]
mod tests {
    use crate::org::HouseholdId;

    #[test]
    fn an_id_looks_like_its_number_everywhere() {
        let id = HouseholdId::new(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(format!("{id:?}"), "42");
        assert_eq!(format!("{:?}", Some(id)), "Some(42)");
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
        assert_eq!(serde_json::from_str::<HouseholdId>("42").unwrap(), id);
        assert_eq!("42".parse::<HouseholdId>(), Ok(id));
        assert!("4x".parse::<HouseholdId>().is_err());
        assert_eq!(i64::from(id), 42);
        assert_eq!(HouseholdId::from(42), id);
    }
}
