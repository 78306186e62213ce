//! OpenAPI plumbing: each service serves its document at `{prefix}/api/openapi.json` and a
//! readable API docs page at `{prefix}/api/docs`, rendered on the server from the same
//! document, so it loads nothing from the internet and needs no script.

use std::sync::{Arc, OnceLock};

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

use crate::layout::PageContext;

/// Adds the two ways to authenticate (bearer token, session cookie) to a service's document.
#[must_use]
fn with_security(mut doc: OpenApi) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::SESSION_COOKIE))),
    );
    doc
}

/// One operation as the docs page lists it.
struct OperationDoc {
    method: String,
    path: String,
    summary: String,
    description: String,
    request: String,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    ctx: PageContext,
    json_url: String,
    version: String,
    operations: Vec<OperationDoc>,
    schemas: String,
}

/// A service's document and its docs page, made on the first request for either: made at start,
/// their code and text would sit in the memory of every idle service.
struct Documents {
    prefix: &'static str,
    title: &'static str,
    build: fn() -> OpenApi,
    made: OnceLock<(String, RenderedPage)>,
}

impl Documents {
    fn get(&self) -> &(String, RenderedPage) {
        self.made.get_or_init(|| {
            let json = serde_json::to_value(with_security((self.build)())).unwrap_or(Value::Null);
            let page = docs_page(self.prefix, self.title, &json);
            (serde_json::to_string_pretty(&json).unwrap_or_default(), page)
        })
    }
}

/// `{prefix}/api/openapi.json` and `{prefix}/api/docs` for the document `build` makes, with the
/// two ways to authenticate added.
pub fn routes<S: Clone + Send + Sync + 'static>(
    prefix: &'static str,
    title: &'static str,
    build: fn() -> OpenApi,
) -> Router<S> {
    let documents = Arc::new(Documents { prefix, title, build, made: OnceLock::new() });
    let for_page = Arc::clone(&documents);
    Router::new()
        .route(
            &format!("{prefix}/api/openapi.json"),
            get(move || async move {
                let mut response = documents.get().0.clone().into_response();
                response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
            }),
        )
        .route(&format!("{prefix}/api/docs"), get(move || async move { for_page.get().1.clone() }))
}

#[derive(Clone)]
struct RenderedPage(Result<String, String>);

impl IntoResponse for RenderedPage {
    fn into_response(self) -> Response {
        match self.0 {
            Ok(html) => axum::response::Html(html).into_response(),
            Err(e) => crate::AppError::Internal(anyhow::anyhow!(e)).into_response(),
        }
    }
}

fn docs_page(prefix: &'static str, title: &str, json: &Value) -> RenderedPage {
    let page = ApiDocsPage {
        ctx: PageContext::new(format!("{title} API"), None, "", prefix),
        json_url: format!("{prefix}/api/openapi.json"),
        version: json.pointer("/info/version").and_then(Value::as_str).unwrap_or("").to_owned(),
        operations: operations(json),
        schemas: json
            .pointer("/components/schemas")
            .map(|s| serde_json::to_string_pretty(s).unwrap_or_default())
            .unwrap_or_default(),
    };
    RenderedPage(page.render().map_err(|e| e.to_string()))
}

fn operations(json: &Value) -> Vec<OperationDoc> {
    let Some(paths) = json.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut operations = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let text = |key: &str| op.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
            let request = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .and_then(|content| content.values().next())
                .and_then(|media| media.get("schema"))
                .map(schema_name)
                .unwrap_or_default();
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| {
                    r.iter()
                        .map(|(code, resp)| {
                            (code.clone(), resp.get("description").and_then(Value::as_str).unwrap_or("").to_owned())
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(OperationDoc {
                method: method.to_owned(),
                path: path.clone(),
                summary: text("summary"),
                description: text("description"),
                request,
                responses,
            });
        }
    }
    operations
}

fn schema_name(schema: &Value) -> String {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
        .unwrap_or_else(|| schema.get("type").and_then(Value::as_str).unwrap_or("object").to_owned())
}
