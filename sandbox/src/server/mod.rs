//! The HTTP server: Orb's ten operations, the sandbox's own `/_sandbox` routes, the per-request
//! guards (faults, key, rate limit) and the accept loop.
//!
//! `router` says which handler answers which path; `guards` authenticate and rate-limit;
//! `authorized` is the extractor every Orb handler starts with (permission, then organization,
//! then device); the handlers are grouped by resource (`organizations`, `configuration`,
//! `temp_datasets`, `speed_tests`, `sandbox_api`); `bodies` reads requests and writes JSON;
//! `accept_loop` serves connections and injects faults.

mod accept_loop;
mod authorized;
mod bodies;
mod configuration;
mod guards;
mod organizations;
mod router;
mod sandbox_api;
mod speed_tests;
mod temp_datasets;

pub(crate) use accept_loop::serve;
