//! The pages' router, built so that it also lists its routes: every path
//! with the methods it answers, the table the tests walk (every form that
//! changes something must refuse a request without its token; see
//! `tests/web/csrf.rs`). The API's routes have a table of their own.

use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};

/// One path's handlers, with the methods they answer.
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

pub fn get<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods { router: routing::get(handler), methods: vec![Method::GET] }
}

pub fn post<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
    Methods { router: routing::post(handler), methods: vec![Method::POST] }
}

impl Methods {
    pub fn post<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Methods {
        self.methods.push(Method::POST);
        Methods { router: self.router.post(handler), methods: self.methods }
    }

    /// A body limit of this path's own (uploads).
    pub fn layer(self, limit: DefaultBodyLimit) -> Methods {
        Methods { router: self.router.layer(limit), methods: self.methods }
    }
}

/// A router with the list of its routes.
pub struct Table {
    router: Router<AppState>,
    routes: Vec<(Method, &'static str)>,
}

impl Table {
    pub fn new() -> Table {
        Table { router: Router::new(), routes: Vec::new() }
    }

    pub fn route(self, path: &'static str, methods: Methods) -> Table {
        let Table { router, mut routes } = self;
        routes.extend(methods.methods.into_iter().map(|method| (method, path)));
        Table { router: router.route(path, methods.router), routes }
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<(Method, &'static str)>) {
        (self.router, self.routes)
    }
}
