//! The OpenAPI 3.1 document of the RPC: the schemas derived from this crate's types,
//! and one operation per route from [`ROUTES`], with its parameters, its answer's
//! schema and the error statuses it can give. The node serves it at
//! `GET /v1/openapi.json`; `api/openapi.json` is the committed copy, kept equal by a test
//! (`JCM_BLESS=1 cargo test -p jcm-api` rewrites it after a deliberate change).

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
use utoipa::OpenApi;

use crate::chain::{BlockView, BlocksPage, Health, RawBlock, RawGenesis, Ready, Status};
use crate::error::ErrorBody;
use crate::gov::{Evidence, Validators, ValidatorsAt};
use crate::query::{
    A64Location, AuthorizationView, EventsPage, Ledger, LedgerYear, PartyHoldings, ProofAnswer,
};
use crate::tx::{DryRun, Nonce, TxRequest, TxStatus};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "JCM chain node RPC",
        description = "The read and submit interface of a JCM chain validator node: the registry of \
            carbon credits under Article 6.2 of the Paris Agreement. Hashes and keys are lowercase hex, \
            times ISO 8601 UTC. Objects described only as `object` are the runtime's records, whose \
            fields docs/api.md lists.",
        license(name = "Apache-2.0")
    ),
    components(schemas(
        ErrorBody,
        TxRequest,
        TxStatus,
        DryRun,
        Nonce,
        Status,
        Health,
        Ready,
        BlockView,
        BlocksPage,
        RawBlock,
        RawGenesis,
        PartyHoldings,
        EventsPage,
        AuthorizationView,
        Ledger,
        LedgerYear,
        A64Location,
        ProofAnswer,
        Validators,
        ValidatorsAt,
        Evidence
    ))
)]
struct Schemas;

/// Where a parameter goes.
#[derive(Clone, Copy, Debug)]
pub enum In {
    /// A path segment.
    Path,
    /// A query parameter, optional unless said.
    Query,
    /// A required query parameter.
    QueryRequired,
}

/// A parameter's type.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A string.
    Text,
    /// A non-negative integer.
    Integer,
}

/// What a route answers with on success.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// JSON of the named schema.
    Json(&'static str),
    /// JSON without a schema here (the genesis document, an AEF report, proposals).
    Document(&'static str),
    /// Text of the given media type.
    Text(&'static str, &'static str),
}

/// One route of the RPC.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// `GET` or `POST`.
    pub post: bool,
    /// The path, with `{name}` for each path parameter.
    pub path: &'static str,
    /// One line on what it answers.
    pub summary: &'static str,
    /// Its parameters: name, where, type, meaning.
    pub params: &'static [(&'static str, In, Kind, &'static str)],
    /// The success status and answer.
    pub ok: (u16, Answer),
    /// The error statuses it can give besides 400 (malformed input) and 500.
    pub errors: &'static [u16],
}

const fn get(path: &'static str, summary: &'static str, ok: Answer) -> Route {
    Route { post: false, path, summary, params: &[], ok: (200, ok), errors: &[] }
}

const fn with(route: Route, params: &'static [(&'static str, In, Kind, &'static str)]) -> Route {
    Route { params, ..route }
}

const fn errs(route: Route, errors: &'static [u16]) -> Route {
    Route { errors, ..route }
}

use Answer::{Document, Json, Text};
use In::{Path, Query, QueryRequired};
use Kind::{Integer, Text as Str};

const HEIGHT: (&str, In, Kind, &str) = ("height", Path, Integer, "a committed height");
const AT: (&str, In, Kind, &str) =
    ("height", Query, Integer, "read the state as it was after this committed height (default: the last)");
const PARTY: (&str, In, Kind, &str) = ("party", Path, Str, "a Party's code, e.g. JPN");
const YEAR: (&str, In, Kind, &str) = ("year", Path, Integer, "a year, e.g. 2025");
const PAGE: [(&str, In, Kind, &str); 2] = [
    (
        "after",
        Query,
        Integer,
        "only events with a sequence number above this (the previous page's next_after)",
    ),
    ("limit", Query, Integer, "at most this many events"),
];

/// Every route the node serves, in the order of its router.
pub const ROUTES: &[Route] = &[
    Route {
        post: true,
        path: "/v1/tx",
        summary: "Submit a signed transaction; with ?wait=commit, wait for its block",
        params: &[
            ("wait", Query, Str, "`commit`: answer once the transaction is committed, or 202 at the timeout"),
            ("timeout_ms", Query, Integer, "how long to wait for the commit"),
        ],
        ok: (202, Json("TxStatus")),
        errors: &[200, 409, 413, 422, 429, 503],
    },
    Route {
        post: true,
        path: "/v1/tx/dry-run",
        summary: "The verdict the next block would give a transaction; nothing is submitted",
        params: &[],
        ok: (200, Json("DryRun")),
        errors: &[],
    },
    errs(
        with(
            get("/v1/tx/{hash}", "A transaction: committed with its verdict, or pending", Json("TxStatus")),
            &[("hash", Path, Str, "the transaction id, hex")],
        ),
        &[404],
    ),
    with(
        get("/v1/nonce/{signer}", "The nonce to sign a signer's next transaction with", Json("Nonce")),
        &[("signer", Path, Str, "the signer's public key, 64 hex digits")],
    ),
    with(
        get("/v1/blocks", "A page of committed blocks, both ends included", Json("BlocksPage")),
        &[
            ("from", Query, Integer, "the first height (default: a full page before `to`)"),
            ("to", Query, Integer, "the last height (default: the last committed)"),
        ],
    ),
    errs(
        with(
            get("/v1/blocks/{height}", "A committed block, its verdicts and commit", Json("BlockView")),
            &[HEIGHT],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/blocks/{height}/raw", "The canonical bytes of a block and its commit", Json("RawBlock")),
            &[HEIGHT],
        ),
        &[404],
    ),
    get("/v1/genesis", "The genesis document", Document("the chain's genesis document (docs/operator.md)")),
    get("/v1/genesis/raw", "The genesis document's canonical bytes and hash", Json("RawGenesis")),
    get("/v1/status", "The node's view of the chain and of itself", Json("Status")),
    errs(get("/health", "200 while the store answers", Json("Health")), &[503]),
    errs(get("/ready", "200 once the node has caught up and serves", Json("Ready")), &[503]),
    get("/metrics", "Prometheus metrics", Text("text/plain; version=0.0.4", "the node's metrics")),
    errs(
        with(
            get(
                "/v1/units/{unit}/history",
                "A unit's current block and every event that touched it",
                Document("the unit, its current block and its events"),
            ),
            &[("unit", Path, Str, "a unit identifier, CANNNN-PPPNN-PPP-serial-YYYY"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/units/{unit}/proof",
                "A unit's proof file: its block and events proven against a certified header, \
                 with the validator-set transitions from genesis",
                Document("a unit proof file, jcm-unit-proof/2 (docs/audit.md), as `jcm prove unit` writes"),
            ),
            &[("unit", Path, Str, "a unit identifier, CANNNN-PPPNN-PPP-serial-YYYY"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/accounts/{id}/holdings",
                "The units an account holds",
                Document("the account and its unit blocks"),
            ),
            &[("id", Path, Str, "an account id"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/parties/{code}/holdings",
                "Every account of a Party's registries",
                Json("PartyHoldings"),
            ),
            &[("code", Path, Str, "a Party's code"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/accounts/{id}/events", "A page of an account's action log", Json("EventsPage")),
            &[("id", Path, Str, "an account id"), PAGE[0], PAGE[1]],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/parties/{code}/events", "A page of a Party's action log", Json("EventsPage")),
            &[("code", Path, Str, "a Party's code"), PAGE[0], PAGE[1]],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/authorizations/{id}", "Every version of an authorization", Json("AuthorizationView")),
            &[("id", Path, Str, "an authorization id"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/ledger/{party}", "A Party's corresponding adjustments per year", Json("Ledger")),
            &[PARTY, AT],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/ledger/{party}/{year}", "One year of a Party's ledger", Json("LedgerYear")),
            &[PARTY, YEAR, AT],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/aef/{party}/{year}",
                "A Party's AEF tables for a year",
                Document("the AEF tables (ARTICLE6.md, the AEF export); ?format=csv gives CSV"),
            ),
            &[PARTY, YEAR, ("format", Query, Str, "`json` (default) or `csv`"), AT],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/projects/{id}/credited",
                "What of a project's period was credited where (R37)",
                Document("the JCM issuances and other programmes' declarations overlapping the period"),
            ),
            &[
                ("id", Path, Str, "a project id"),
                ("from", QueryRequired, Str, "the period's first day, YYYY-MM-DD"),
                ("to", QueryRequired, Str, "the period's last day, YYYY-MM-DD"),
                AT,
            ],
        ),
        &[404],
    ),
    errs(
        with(
            get("/v1/a64/{id}", "Where an A6.4ER is on the chain", Json("A64Location")),
            &[("id", Path, Str, "an A6.4ER identifier"), AT],
        ),
        &[404],
    ),
    get(
        "/v1/gov/proposals",
        "Every governance proposal with its tally",
        Document("the proposals, oldest first"),
    ),
    errs(
        with(
            get(
                "/v1/gov/proposals/{id}",
                "One governance proposal",
                Document("the proposal, its approvals and state"),
            ),
            &[("id", Path, Integer, "a proposal id (1, 2, ...)")],
        ),
        &[404],
    ),
    errs(
        with(
            get(
                "/v1/gov/validators",
                "The validator set; with ?height, the set that decided that height",
                Json("Validators"),
            ),
            &[("height", Query, Integer, "a committed height: answers a ValidatorsAt")],
        ),
        &[404],
    ),
    get("/v1/evidence", "Every equivocation recorded on chain (R52)", Json("Evidence")),
    errs(
        with(
            get("/v1/proof", "A Merkle proof of a state key's value or absence", Json("ProofAnswer")),
            &[
                ("key", QueryRequired, Str, "the state key, hex"),
                (
                    "height",
                    Query,
                    Integer,
                    "the header whose state root to prove against (default: the last)",
                ),
            ],
        ),
        &[404],
    ),
    get("/v1/openapi.json", "This document", Document("the OpenAPI document of the RPC")),
];

fn parameter((name, place, kind, meaning): (&str, In, Kind, &str)) -> utoipa::openapi::path::Parameter {
    let (place, required) = match place {
        Path => (ParameterIn::Path, Required::True),
        Query => (ParameterIn::Query, Required::False),
        QueryRequired => (ParameterIn::Query, Required::True),
    };
    let kind = match kind {
        Str => Type::String,
        Integer => Type::Integer,
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .description(Some(meaning))
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .build()
}

fn answer(description: &str, answer: Answer) -> utoipa::openapi::Response {
    let response = ResponseBuilder::new().description(description);
    match answer {
        Json(schema) => response.content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build(),
        ),
        Document(what) => response.description(what).content(
            "application/json",
            ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::Object))).build(),
        ),
        Text(media, what) => response.description(what).content(
            media,
            ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build(),
        ),
    }
    .build()
}

fn error(description: &str) -> utoipa::openapi::Response {
    answer(description, Json("ErrorBody"))
}

fn status_meaning(status: u16) -> &'static str {
    match status {
        200 => "committed (with ?wait=commit)",
        404 => "nothing there",
        409 => "a duplicate, a nonce already taken, or dropped before its commit",
        413 => "the transaction is too large",
        422 => "rejected by a rule, or a nonce gap",
        429 => "the signer has too many pending transactions",
        503 => "unavailable: unhealthy, not ready, or the mempool is full",
        _ => "an error",
    }
}

fn operation(route: &Route) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new().summary(Some(route.summary));
    for p in route.params {
        op = op.parameter(parameter(*p));
    }
    if route.post {
        let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("TxRequest"))).build();
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .description(Some("exactly one of `tx` (hex) and `tx_json`"))
                .required(Some(Required::True))
                .content("application/json", body)
                .build(),
        ));
    }
    let (status, ok) = route.ok;
    op = op.response(status.to_string(), answer("success", ok));
    for status in route.errors {
        let response = if *status == 200 {
            answer(status_meaning(200), Json("TxStatus"))
        } else {
            error(status_meaning(*status))
        };
        op = op.response(status.to_string(), response);
    }
    op = op.response("400", error("malformed input: the error's kind and message say what"));
    op.response("500", error("the node's own failure")).build()
}

/// The OpenAPI document of the RPC.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Schemas::openapi();
    for route in ROUTES {
        let method = if route.post { HttpMethod::Post } else { HttpMethod::Get };
        doc.paths.paths.insert(route.path.to_owned(), PathItem::new(method, operation(route)));
    }
    doc
}

/// [`document`] as the pretty JSON the node serves and `api/openapi.json` holds.
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().expect("an OpenAPI document serializes");
    text.push('\n');
    text
}
