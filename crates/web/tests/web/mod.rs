//! HTTP tests of the web application, one module per concern.

mod activities;
mod adjustments;
mod ballots;
mod checkin;
mod claims;
mod communities;
mod csrf;
mod fairness;
mod helpers;
mod honours;
mod hours;
mod household_rating;
mod integrity;
mod language;
mod leave;
mod linking;
mod meetings;
mod my_record;
mod notice;
mod permissions;
mod region;
mod reviews;
mod scoping;
mod sign_in;
mod standings;
mod uploads;
