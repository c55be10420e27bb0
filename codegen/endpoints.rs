//! Each of progenitor's request builders as a `crate::endpoint::Endpoint`: the spec's operation
//! id, method and path, the response type progenitor gives it, and `into_request`, which builds
//! the request exactly as the builder's `send` does (progenitor's own statements, copied), without
//! sending it. The hand-written client sends that request through its own transport and decoders,
//! so every endpoint fact it uses (path, parameter names and encoding, body type, headers,
//! response type) comes from the spec through progenitor, and a change upstream either reaches it
//! or stops its build at the call.
//!
//! Also emitted: `OPERATIONS`, every operation of the spec (id, method, path), sorted by id.

use std::collections::BTreeMap;

use super::{mod_items, CodegenError};

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SpecOperation {
    id: String,
    method: String,
    path: String,
}

/// Adds an `Endpoint` impl for every request builder to progenitor's `builder` module, and the
/// `OPERATIONS` list after it. Fails when the builders and the spec's operations do not match one
/// to one, or when a builder's `send` is not laid out as progenitor 0.15 writes it.
pub(super) fn add_endpoints(
    items: &mut Vec<syn::Item>,
    spec: &openapiv3::OpenAPI,
) -> Result<(), CodegenError> {
    let layout = |what: String| CodegenError::Layout(what);
    let mut operations = spec_operations(spec)?;
    let builders = items
        .iter_mut()
        .find_map(|item| mod_items(item, "builder"))
        .ok_or_else(|| layout("no `builder` module".into()))?;
    let mut impls = Vec::new();
    for item in builders.iter() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let Some(send) = block.items.iter().find_map(|member| match member {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        }) else {
            continue;
        };
        let built = split_send(send)
            .map_err(|what| layout(format!("`{}::send`: {what}", quote_tokens(&block.self_ty))))?;
        let operation = take_operation(&mut operations, &built.operation_id).ok_or_else(|| {
            layout(format!(
                "a builder's send names operation {:?}, which the spec does not have",
                built.operation_id
            ))
        })?;
        impls.push(endpoint_impl(block, &operation, built));
    }
    if let Some(missing) = operations.values().next() {
        return Err(layout(format!(
            "no request builder for the spec's operation {} ({} {})",
            missing.id, missing.method, missing.path
        )));
    }
    let mut listed: Vec<SpecOperation> = impls.iter().map(|(op, _)| op.clone()).collect();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    builders.extend(impls.into_iter().map(|(_, item)| item));
    items.push(operations_list(&listed));
    Ok(())
}

/// Every operation of the spec by id. Normalization gives each one an id, so one without is a
/// document that did not go through `cargo xtask regen`.
fn spec_operations(
    spec: &openapiv3::OpenAPI,
) -> Result<BTreeMap<String, SpecOperation>, CodegenError> {
    let mut operations = BTreeMap::new();
    for (path, item) in spec.paths.iter() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            return Err(CodegenError::Layout(format!(
                "path {path} is a reference; the normalized spec resolves them"
            )));
        };
        for (method, operation) in item.iter() {
            let id = operation.operation_id.clone().ok_or_else(|| {
                CodegenError::Layout(format!(
                    "{} {path} has no operationId (run the spec through `cargo xtask regen`)",
                    method.to_uppercase()
                ))
            })?;
            let op = SpecOperation {
                id: id.clone(),
                method: method.to_uppercase(),
                path: path.clone(),
            };
            if let Some(other) = operations.insert(id.clone(), op) {
                return Err(CodegenError::Layout(format!(
                    "operationId {id} is used twice (also by {} {})",
                    other.method, other.path
                )));
            }
        }
    }
    Ok(operations)
}

/// The operation progenitor calls `snake_id` (its snake-case form of the spec's id).
fn take_operation(
    operations: &mut BTreeMap<String, SpecOperation>,
    snake_id: &str,
) -> Option<SpecOperation> {
    if let Some(op) = operations.remove(snake_id) {
        return Some(op);
    }
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = squash(snake_id);
    let mut matching = operations.keys().filter(|id| squash(id) == wanted);
    let id = matching.next()?.clone();
    if matching.next().is_some() {
        return None;
    }
    operations.remove(&id)
}

/// A builder's `send`, cut where the request is built.
struct BuiltRequest {
    operation_id: String,
    /// The statements up to and including `let mut request = ... .build()?;`.
    statements: Vec<syn::Stmt>,
    /// The name progenitor gave the request (`request`, unless a parameter has that name).
    request: syn::Ident,
    /// `T` of `Result<ResponseValue<T>, Error<E>>`.
    response: syn::Type,
}

fn split_send(send: &syn::ImplItemFn) -> Result<BuiltRequest, String> {
    let stmts = &send.block.stmts;
    let (at, operation_id) = stmts
        .iter()
        .enumerate()
        .find_map(|(k, stmt)| operation_info(stmt).map(|id| (k, id)))
        .ok_or("no `let info = OperationInfo { operation_id: \"...\" };`")?;
    let statements = stmts[..at].to_vec();
    let request = match statements.last() {
        Some(syn::Stmt::Local(local)) => match &local.pat {
            syn::Pat::Ident(p) => p.ident.clone(),
            _ => return Err("the statement before `info` does not bind the request".into()),
        },
        _ => return Err("the statement before `info` is not `let mut request = ...`".into()),
    };
    let response = response_type(&send.sig.output)
        .ok_or("it does not return `Result<ResponseValue<T>, Error<E>>`")?;
    Ok(BuiltRequest {
        operation_id,
        statements,
        request,
        response,
    })
}

/// The id in `let info = OperationInfo { operation_id: "..." };`.
fn operation_info(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Expr::Struct(init) = local.init.as_ref()?.expr.as_ref() else {
        return None;
    };
    if !init.path.is_ident("OperationInfo") {
        return None;
    }
    init.fields.iter().find_map(|field| {
        let syn::Member::Named(name) = &field.member else {
            return None;
        };
        match &field.expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) if name == "operation_id" => Some(s.value()),
            _ => None,
        }
    })
}

/// `T` of a return type `Result<ResponseValue<T>, _>`.
fn response_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let ok = first_generic(ty, "Result")?;
    first_generic(&ok, "ResponseValue")
}

/// The first type argument of `ty` when its last path segment is `name`.
fn first_generic(ty: &syn::Type, name: &str) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

fn endpoint_impl(
    block: &syn::ItemImpl,
    operation: &SpecOperation,
    built: BuiltRequest,
) -> (SpecOperation, syn::Item) {
    let generics = &block.generics;
    let self_ty = &block.self_ty;
    let (id, method, path) = (&operation.id, &operation.method, &operation.path);
    let BuiltRequest {
        statements,
        request,
        response,
        ..
    } = built;
    let doc = format!(" `{method} {path}` ({id}).");
    let item: syn::Item = syn::parse_quote! {
        #[doc = #doc]
        impl #generics crate::endpoint::Endpoint for #self_ty {
            const OPERATION_ID: &'static str = #id;
            const METHOD: &'static str = #method;
            const PATH: &'static str = #path;
            type Response = #response;
            fn into_request(self) -> ::std::result::Result<::reqwest::Request, Error> {
                #(#statements)*
                Ok(#request)
            }
        }
    };
    (operation.clone(), item)
}

fn operations_list(operations: &[SpecOperation]) -> syn::Item {
    let entries = operations.iter().map(|op| {
        let (id, method, path) = (&op.id, &op.method, &op.path);
        quote_entry(id, method, path)
    });
    syn::parse_quote! {
        /// Every operation of the spec, sorted by operation id.
        pub const OPERATIONS: &[crate::endpoint::SpecOperation] = &[#(#entries),*];
    }
}

fn quote_entry(id: &str, method: &str, path: &str) -> syn::Expr {
    syn::parse_quote! {
        crate::endpoint::SpecOperation { id: #id, method: #method, path: #path }
    }
}

fn quote_tokens(ty: &syn::Type) -> String {
    prettyplease::unparse(&syn::parse_quote!(type T = #ty;))
        .trim()
        .trim_start_matches("type T = ")
        .trim_end_matches(';')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(paths: serde_json::Value) -> openapiv3::OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
        }))
        .unwrap()
    }

    /// progenitor's layout in miniature: one builder whose send builds, then sends.
    fn builder_module(operation_id: &str) -> Vec<syn::Item> {
        let file: syn::File = syn::parse_str(&format!(
            r#"
            pub mod builder {{
                pub struct GetThing<'a> {{ client: &'a super::Client, id: Result<String, String> }}
                impl<'a> GetThing<'a> {{
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {{
                        let Self {{ client, id }} = self;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let url = format!("{{}}/things/{{}}", client.baseurl, encode_path(&id));
                        #[allow(unused_mut)]
                        let mut request = client.client.get(url).build()?;
                        let info = OperationInfo {{ operation_id: "{operation_id}" }};
                        let result = client.exec(request, &info).await;
                        todo!()
                    }}
                }}
            }}"#
        ))
        .unwrap();
        file.items
    }

    fn text(items: &[syn::Item]) -> String {
        prettyplease::unparse(&syn::parse_quote!(#(#items)*))
    }

    #[test]
    fn a_builder_becomes_an_endpoint_that_builds_its_request_without_sending_it() {
        let spec = spec(serde_json::json!({
            "/things/{id}": {"get": {"operationId": "get_thing", "responses": {}}}
        }));
        let mut items = builder_module("get_thing");
        add_endpoints(&mut items, &spec).unwrap();
        let code = text(&items);
        assert!(
            code.contains("impl<'a> crate::endpoint::Endpoint for GetThing<'a>"),
            "{code}"
        );
        assert!(
            code.contains("const METHOD: &'static str = \"GET\";"),
            "{code}"
        );
        assert!(
            code.contains("const PATH: &'static str = \"/things/{id}\";"),
            "{code}"
        );
        assert!(code.contains("type Response = types::Thing;"), "{code}");
        let into_request = &code[code.find("fn into_request").unwrap()..];
        assert!(into_request.contains("encode_path("), "{code}");
        assert!(into_request.contains("Ok(request)"), "{code}");
        assert!(!into_request.contains("exec("), "{code}");
        assert!(code.contains("pub const OPERATIONS"), "{code}");
    }

    #[test]
    fn builders_and_operations_must_match_one_to_one() {
        let two = spec(serde_json::json!({
            "/things/{id}": {"get": {"operationId": "get_thing", "responses": {}}},
            "/other": {"post": {"operationId": "post_other", "responses": {}}}
        }));
        let e = add_endpoints(&mut builder_module("get_thing"), &two)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no request builder for the spec's operation post_other (POST /other)"),
            "{e}"
        );

        let one = spec(serde_json::json!({
            "/things/{id}": {"get": {"operationId": "get_thing", "responses": {}}}
        }));
        let e = add_endpoints(&mut builder_module("get_gone"), &one)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"get_gone\", which the spec does not have"),
            "{e}"
        );
    }

    #[test]
    fn a_send_laid_out_otherwise_fails_loudly() {
        let spec = spec(serde_json::json!({
            "/things": {"get": {"operationId": "get_thing", "responses": {}}}
        }));
        let file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetThing<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> { todo!() }
                }
            }
        };
        let e = add_endpoints(&mut file.items.clone(), &spec)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`GetThing<'a>::send`: no `let info = OperationInfo"),
            "{e}"
        );
    }
}
