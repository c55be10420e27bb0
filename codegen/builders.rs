//! Rewrites of progenitor's types: struct builders no operation uses are dropped, and the
//! `JsonSchema` derives are made conditional on the crate's `schemars` feature.

use std::collections::BTreeSet;

use super::{is_mod, mod_items, CodegenError};

/// Drops the struct builders that no generated operation uses. typify writes one (in
/// `types::builder`, with an `X::builder()`) for every type, and the operations need them only
/// for their request bodies: 2 of 31. The other 29 were two thirds of the generated lines and
/// about a third of the crate's own compile time (BENCHMARKS.md, build cost). The types
/// themselves are unchanged: build them with struct literals, `Default` or serde.
pub(super) fn prune_struct_builders(items: &mut [syn::Item]) -> Result<(), CodegenError> {
    const PATH: &str = "types::builder::";
    let operations = items.iter().filter(|item| !is_mod(item, "types"));
    let text = prettyplease::unparse(&syn::parse_quote!(#(#operations)*));
    let used: BTreeSet<String> = text
        .match_indices(PATH)
        .map(|(at, _)| {
            text[at + PATH.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect();
    let layout = |what: &str| CodegenError::Layout(what.to_string());
    let types = items
        .iter_mut()
        .find_map(|item| mod_items(item, "types"))
        .ok_or_else(|| layout("no `types` module"))?;
    let builders = types
        .iter_mut()
        .find_map(|item| mod_items(item, "builder"))
        .ok_or_else(|| layout("no `types::builder` module"))?;
    let generated: BTreeSet<String> = builders
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    if let Some(missing) = used.iter().find(|name| !generated.contains(*name)) {
        return Err(layout(&format!(
            "the operations use `{PATH}{missing}`, which is not generated"
        )));
    }
    // A builder is its struct and the impls for it (`Default`, its setters, and the conversions
    // to and from the type).
    builders.retain(|item| subject(item).is_none_or(|name| used.contains(&name)));
    // `X::builder()` of each type whose builder is gone, and the `impl X` left empty by that.
    types.retain_mut(|item| {
        let syn::Item::Impl(block) = item else {
            return true;
        };
        if block.trait_.is_some() || type_name(&block.self_ty).is_none_or(|n| used.contains(&n)) {
            return true;
        }
        let before = block.items.len();
        block
            .items
            .retain(|member| !matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "builder"));
        block.items.len() == before || !block.items.is_empty()
    });
    Ok(())
}

/// The type a struct or impl item is about (for `impl From<X> for super::X`, `X`).
fn subject(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Impl(block) => type_name(&block.self_ty),
        _ => None,
    }
}

/// The last segment of a path type.
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Makes every `JsonSchema` derive conditional on the `schemars` feature (progenitor's settings
/// can only add derives unconditionally).
pub(super) fn gate_json_schema(items: &mut [syn::Item]) {
    use syn::punctuated::Punctuated;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    gate_json_schema(items);
                }
                continue;
            }
            _ => continue,
        };
        let is_json_schema =
            |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "JsonSchema");
        let mut k = 0;
        while k < attrs.len() {
            let derived = attrs[k].path().is_ident("derive").then(|| {
                attrs[k].parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            });
            if let Some(Ok(paths)) = derived {
                if paths.iter().any(is_json_schema) {
                    let kept: Punctuated<syn::Path, syn::Token![,]> =
                        paths.into_iter().filter(|p| !is_json_schema(p)).collect();
                    attrs[k] = syn::parse_quote!(#[derive(#kept)]);
                    // Right after the other derives, before the helper attributes they share.
                    attrs.insert(
                        k + 1,
                        syn::parse_quote!(
                            #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
                        ),
                    );
                    k += 1;
                }
            }
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// progenitor's layout in miniature: two types with builders, one operation using one.
    fn sample() -> Vec<syn::Item> {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Used { pub a: i64 }
                impl Used { pub fn builder() -> builder::Used { Default::default() } }
                pub struct Unused { pub b: i64 }
                impl Unused {
                    pub fn builder() -> builder::Unused { Default::default() }
                    pub fn other(&self) {}
                }
                impl ::std::convert::From<&Unused> for Unused { fn from(v: &Unused) -> Self { v.clone() } }
                pub mod builder {
                    pub struct Used { a: Result<i64, String> }
                    impl Default for Used { fn default() -> Self { todo!() } }
                    impl ::std::convert::TryFrom<Used> for super::Used { type Error = (); }
                    pub struct Unused { b: Result<i64, String> }
                    impl Default for Unused { fn default() -> Self { todo!() } }
                    impl Unused { pub fn b(self) -> Self { self } }
                    impl ::std::convert::TryFrom<Unused> for super::Unused { type Error = (); }
                    impl ::std::convert::From<super::Unused> for Unused { fn from(v: super::Unused) -> Self { todo!() } }
                }
            }
            pub mod builder {
                pub struct Op { body: Result<types::builder::Used, String> }
            }
        };
        file.items
    }

    fn text(items: &[syn::Item]) -> String {
        prettyplease::unparse(&syn::parse_quote!(#(#items)*))
    }

    #[test]
    fn builders_no_operation_uses_are_dropped_with_their_builder_fns() {
        let mut items = sample();
        prune_struct_builders(&mut items).unwrap();
        let code = text(&items);
        assert!(
            code.contains("pub struct Used {\n            a: Result"),
            "{code}"
        );
        assert!(code.contains("for super::Used"), "{code}");
        assert!(code.contains("pub fn builder() -> builder::Used"), "{code}");
        assert!(!code.contains("builder::Unused"), "{code}");
        assert!(!code.contains("for super::Unused"), "{code}");
        assert!(!code.contains("pub fn b(self)"), "{code}");
        // The type itself, its other methods and impls stay.
        assert!(
            code.contains("pub struct Unused {\n        pub b: i64"),
            "{code}"
        );
        assert!(code.contains("pub fn other(&self)"), "{code}");
        assert!(code.contains("From<&Unused> for Unused"), "{code}");
    }

    #[test]
    fn an_unexpected_layout_fails_loudly() {
        let mut items = sample();
        items.retain(|item| !is_mod(item, "types"));
        let e = prune_struct_builders(&mut items).unwrap_err().to_string();
        assert!(e.contains("no `types` module"), "{e}");

        let file: syn::File = syn::parse_quote! {
            pub mod types { pub mod builder {} }
            pub mod builder { pub struct Op { body: types::builder::Gone } }
        };
        let mut items = file.items;
        let e = prune_struct_builders(&mut items).unwrap_err().to_string();
        assert!(
            e.contains("`types::builder::Gone`, which is not generated"),
            "{e}"
        );
    }
}
