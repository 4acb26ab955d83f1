//! HTTP tests of the web application, one module per concern.

mod activities;
mod checkin;
mod claims;
mod communities;
mod csrf;
mod helpers;
mod honours;
mod household_rating;
mod language;
mod leave;
mod linking;
mod meetings;
mod my_record;
mod permissions;
mod reviews;
mod sign_in;
mod standings;
mod uploads;
