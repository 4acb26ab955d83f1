//! The web application of starledger: server-rendered pages in Chinese (with
//! English), readable on a phone and in WeChat's browser, over the same
//! domain rules and store as the command line. Every page and every write
//! checks the account's role on the server.

mod api;
pub mod backups;
mod calendar;
mod chart;
mod download;
mod error;
mod fields;
mod form_text;
mod headers;
mod html;
mod i18n;
pub mod limits;
pub mod metrics;
mod names;
mod page;
mod proof;
mod qr;
pub mod refresher;
mod request_log;
pub mod retention;
pub mod robots;
mod routes;
pub mod security;
mod session;
pub mod shutdown;
mod state;

pub use state::{AppState, Config, Limits, Settings};

use axum::Router;
use routes::{get, post};
use starledger_store::Store;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The pages' routes (not the API's), with the table of their paths and
/// methods.
fn pages(settings: &Settings) -> (Router<AppState>, Vec<(axum::http::Method, &'static str)>) {
    // Photo and screenshot forms may carry a phone's unshrunk photo: it is
    // read and dropped past the photo limit, so that the answer keeps what
    // was typed.
    let upload_limit = || axum::extract::DefaultBodyLimit::max(settings.photo_body_max_bytes());
    routes::Table::new()
        .route("/", get(html::dashboard::show))
        .route("/login", get(html::login::show).post(html::login::submit))
        .route("/logout", post(html::logout::here))
        .route("/logout/everywhere", post(html::logout::everywhere))
        .route("/password", get(html::password_change::show).post(html::password_change::submit))
        .route("/me", get(html::record_mine::show))
        .route("/me/receipts/{entry}", get(html::record_mine::receipt))
        .route("/me/record.pdf", get(html::print::my_record))
        .route("/me/data", get(html::my_data::download_mine))
        .route("/me/tokens", get(html::tokens::show).post(html::tokens::create))
        .route("/me/tokens/{id}/revoke", post(html::tokens::revoke))
        .route("/standings", get(html::standings::show))
        .route("/exports", get(html::exports::show))
        .route("/exports/{kind}", get(html::exports::file))
        .route("/figures", get(html::figures::show))
        .route("/households/cards", get(html::household_cards::show))
        .route("/households/cards/print", post(html::household_cards::print))
        .route("/households/forms", get(html::paper_forms::show))
        .route("/households/forms/print", post(html::paper_forms::print))
        .route("/households/forms/enter", post(html::paper_forms::enter))
        .route("/households/links", post(html::household_cards::issue_missing))
        .route("/households/{id}/revoke", post(html::household_cards::revoke))
        .route("/households/{id}/visit-code", post(html::household_cards::visit_code))
        .route("/audit/household-origins", get(html::household_origins::show))
        .route("/households", get(html::households::show))
        .route("/households/link", post(html::households::change))
        .route("/households/new", get(html::roll::new_household).post(html::roll::add_household))
        .route("/households/{id}/edit", get(html::roll::edit_household).post(html::roll::save_household))
        .route("/members", get(html::roll::members))
        .route("/members/pick", get(html::roll::pick))
        .route("/members/new", get(html::roll::new_member).post(html::roll::add_member))
        .route("/members/{id}/edit", get(html::roll::edit_member).post(html::roll::save_member))
        .route("/members/{id}/transfer", post(html::roll::transfer_out))
        .route(
            "/members/{id}/pseudonymize",
            get(html::member_pseudonymize::show).post(html::member_pseudonymize::pseudonymize),
        )
        .route("/members/transfer-in", get(html::roll::transfer_in_form).post(html::roll::transfer_in))
        .route("/branches", get(html::roll_admin::branches).post(html::roll_admin::add_branch))
        .route("/branches/{id}/groups", post(html::roll_admin::add_group))
        .route("/branches/{id}/rename", post(html::roll_admin::rename_branch))
        .route("/groups/{id}/rename", post(html::roll_admin::rename_group))
        .route("/accounts", get(html::roll_admin::accounts).post(html::roll_admin::add_account))
        .route("/accounts/{id}/reset", post(html::roll_admin::reset_password))
        .route("/accounts/{id}/disable", post(html::roll_admin::disable_account))
        .route(
            "/import",
            get(html::roll_import::show)
                .post(html::roll_import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(settings.import_body_max_bytes())),
        )
        .route("/import/templates/{kind}", get(html::roll_import::template))
        .route("/claims", get(html::claims::show))
        .route("/claims/visit", post(html::claims::submit_visit).layer(upload_limit()))
        .route("/claims/study", post(html::claims::submit_study).layer(upload_limit()))
        .route("/claims/{id}/cancel", post(html::claims::cancel))
        .route("/claims/{id}/decide", post(html::reviews::decide_claim))
        .route("/reviews", get(html::reviews::show))
        .route("/leave/{id}/decide", post(html::reviews::decide_leave))
        .route("/uploads/{id}", get(html::uploads::show))
        .route("/meetings", get(html::meetings::list).post(html::meetings::create))
        .route("/meetings/{id}", get(html::meetings::show))
        .route("/meetings/{id}/attendance", post(html::meetings::save_attendance))
        .route("/meetings/{id}/sign-in.pdf", get(html::print::sign_in_sheet))
        .route("/meetings/{id}/close", get(html::meetings::close_page).post(html::meetings::close))
        .route("/meetings/{id}/leave", post(html::meetings::ask_leave))
        .route("/checkin/{token}", get(html::meetings::check_in_page).post(html::meetings::check_in))
        .route("/activities", get(html::activities::list).post(html::activities::publish))
        .route("/activities/{id}", get(html::activities::show))
        .route("/activities/{id}/answer", post(html::activities::answer))
        .route("/activities/{id}/confirm", get(html::activities::confirm_page).post(html::activities::confirm))
        .route("/activities/{id}/no_shows", post(html::activities::record_no_shows))
        .route("/activities/checkin/{token}", get(html::activities::check_in_page).post(html::activities::check_in))
        .route("/integrity", get(html::integrity::show).post(html::integrity::file).layer(upload_limit()))
        .route("/integrity/{id}/vote", post(html::integrity::vote))
        .route("/integrity/relatives", post(html::integrity::mark_relatives))
        .route("/ballots", get(html::ballots::list).post(html::ballots::open))
        .route("/ballots/{id}", get(html::ballots::show))
        .route("/ballots/{id}/vote", post(html::ballots::vote))
        .route("/ballots/{id}/close", get(html::ballots::close_page).post(html::ballots::close))
        .route("/ballots/{id}/tally", get(html::ballots::tally))
        .route("/ballots/{id}/decide", post(html::ballots::decide))
        .route("/ballots/{id}/cosign", post(html::ballots::cosign))
        .route("/ballots/{id}/withdraw", post(html::ballots::withdraw))
        .route("/adjustments", get(html::adjustments::show).post(html::adjustments::make))
        .route("/adjustments/{id}/check", post(html::adjustments::check))
        .route("/audit/anomalies", get(html::audit::anomalies))
        .route("/audit/entries", get(html::audit::entries))
        .route("/rating", get(html::notice::show))
        .route("/rating/what-if", get(html::what_if::show).post(html::what_if::replay))
        .route("/rating/{year}/publish", get(html::notice::publish_page).post(html::notice::publish))
        .route("/rating/{year}/objections", post(html::notice::object))
        .route("/rating/objections/{id}/answer", post(html::notice::answer))
        .route("/rating/{year}/finalize", get(html::notice::finalize_page).post(html::notice::finalize))
        .route("/rating/{year}/reopen", post(html::notice::reopen))
        .route("/rating/{year}/motions/{id}/agree", post(html::notice::agree))
        .route("/rating/{year}/motions/{id}/withdraw", post(html::notice::withdraw))
        .route("/r/{token}/notice", get(html::notice::household_show).post(html::notice::household_object))
        .route("/robots", get(html::robots::show).post(html::robots::add))
        .route("/robots/{id}/enabled", post(html::robots::toggle))
        .route("/robots/outbox/{id}", post(html::robots::settle))
        .route("/region", get(html::region::show))
        .route("/region/integrity", get(html::region_integrity::show))
        .route("/region/integrity/{community}/{id}/decide", post(html::region_integrity::decide))
        .route("/honours", get(html::honours::roll))
        .route("/seals/{year}", get(html::honours::seals))
        .route("/members/{id}/stars", get(html::honours::member))
        .route("/members/{id}/record.pdf", get(html::print::member_record))
        .route("/print/certificates", get(html::print::certificates))
        .route("/print/honour-roll", get(html::print::honour_roll))
        .route("/r/{token}", get(html::household_rate::show).post(html::household_rate::submit))
        .route("/r/{token}/bind", post(html::household_rate::bind))
        .route("/r/{token}/receipts/{entry}", get(html::household_rate::receipt))
        .route("/lang/{code}", get(html::lang::switch))
        .route("/static/app.css", get(html::lang::stylesheet))
        .route("/static/app.js", get(headers::script))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::scrape))
        .into_parts()
}

/// Every page's route that changes something (all but `GET`), as
/// `(method, path)` with axum's `{name}` for a path's parameters: each
/// takes its form through `proof::CheckedForm` or `CheckedMultipart`, which
/// the tests check route by route on the real router.
pub fn state_changing_routes() -> Vec<(axum::http::Method, &'static str)> {
    let (_, table) = pages(&Settings::default());
    table.into_iter().filter(|(method, _)| *method != axum::http::Method::GET).collect()
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let settings = state.settings();
    let (pages, _) = pages(settings);
    pages
        // The API's routes, from the one table its document is written from.
        .merge(api::router(settings.photo_body_max_bytes()))
        // An address nobody serves gets the same page as a missing record,
        // in the visitor's language, not an empty answer.
        .fallback(|uri: axum::http::Uri| async move {
            use axum::response::IntoResponse;
            if uri.path().starts_with("/api/") {
                api::unknown_route()
            } else {
                error::WebError::NotFound.into_response()
            }
        })
        // Inside the origin check: a cross-site post is refused unread.
        .layer(axum::middleware::from_fn(form_text::forms_in_utf8))
        .layer(axum::middleware::from_fn(session::same_origin_only))
        .layer(axum::middleware::from_fn(session::referrer_same_origin))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(axum::middleware::from_fn(error::in_visitors_language))
        .layer(axum::middleware::from_fn_with_state(state.clone(), on_its_clock))
        .layer(axum::middleware::from_fn(request_log::with_request_id))
        // Outside the rest, so that it times and counts what the client got.
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::count_requests))
        // Compressed for every browser that asks (all do); a phone on a
        // slow network gets the 1,355-household page in a tenth of its size.
        // At gzip's fastest level: profiled at 64 connections, the default
        // level spent a fifth of the server's CPU compressing, for pages of
        // a few kilobytes either way (BENCHMARKS.md, "Compression").
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::compression::CompressionLevel::Fastest),
        )
        .with_state(state)
}

/// Every request runs on its application's clock: the system's in
/// production, a stated day in tests (many test servers share a process).
async fn on_its_clock(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    starledger_app::clock::scope(state.clock(), next.run(request)).await
}

/// `/healthz`: the process is alive and answering. No session needed.
async fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: 200 when the database answers, its migrations are current and
/// the ledger can be read; 503 with the reason otherwise. No session needed.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.store().readiness().await {
        Ok(()) => "ready".into_response(),
        Err(reason) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {reason}")).into_response(),
    }
}

/// Serves until SIGTERM or Ctrl-C, posting the outbox's group-robot
/// messages, refreshing the regions' figures and, if scheduled, taking
/// backups beside. The first signal stops accepting connections, lets the
/// requests in flight finish and stops the background jobs at their next
/// safe point (see [`shutdown`]); a second one ends the process at once.
pub async fn serve(
    store: Store,
    listener: TcpListener,
    config: Config,
    settings: Settings,
    backups: Option<backups::Schedule>,
) -> std::io::Result<()> {
    let mut signals = shutdown::Signals::listen()?;
    let (switch, stop) = shutdown::switch();
    let state = AppState::configured(store.clone(), config, settings);
    let metrics = state.metrics().clone();
    let sender = robots::Sender::start(store.clone(), robots::SenderConfig::default())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .with_metrics(metrics.clone());
    let mut jobs = vec![
        tokio::spawn(sender.run_until(stop.clone())),
        tokio::spawn(refresher::run(store.clone(), refresher::EVERY, metrics.clone(), stop.clone())),
        tokio::spawn(retention::run(
            store.clone(),
            state.config().retention,
            state.clock(),
            retention::EVERY,
            stop.clone(),
        )),
    ];
    if let Some(schedule) = backups {
        jobs.push(tokio::spawn(backups::run(store.clone(), schedule, metrics, stop)));
    }
    let stopping = async move {
        let signal = signals.next().await;
        tracing::info!(
            "{signal}: stopping; no new connections, finishing the requests in flight (a second signal stops at once)"
        );
        switch.stop();
        tokio::spawn(async move {
            let signal = signals.next().await;
            tracing::warn!("{signal} again: stopping at once");
            std::process::exit(1);
        });
    };
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(stopping)
        .await?;
    // The jobs were told to stop with the first signal; a post or a backup
    // under way is finished first (the outbox keeps the rest for next time).
    for job in jobs {
        let _ = job.await;
    }
    tracing::info!("stopped: requests finished, background jobs stopped, the outbox kept for the next start");
    Ok(())
}
