//! The one integration-test binary of the web application: every test starts
//! the real router on its own port, over its own fresh database, and talks to
//! it over HTTP like a browser would.

mod web;
