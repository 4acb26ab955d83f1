//! HTTP tests of the web application, one module per concern.

mod communities;
mod csrf;
mod helpers;
mod household_rating;
mod language;
mod my_record;
mod permissions;
mod sign_in;
mod standings;
