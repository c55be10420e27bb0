//! Which hand-written code of the library uses a generated item, so that the drift report can say
//! what an upstream change touches (`used by DevicesHandle::list (src/resources/devices.rs)`).
//!
//! The library's modules are read from `src/lib.rs` down (test modules left out) with syn, and
//! each function, type and impl is indexed by the identifiers it names. A schema is found by the
//! Rust type progenitor makes of it, an operation by its builder method and builder struct, each
//! also through the aliases that rename them (`type Organization = ServerOrganizationsResponse`,
//! `use ...::ServerOrganizationDeviceResponse as Generated`). Only names are matched: a use the
//! compiler sees through inference (a field read on a value of the type) is found by the function
//! that names the type, or not at all; the report says only what it found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// One place in the library: a function, an impl's function, a type, a struct or an enum.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Site {
    /// Relative to the root, with `/` (`src/resources/devices.rs`).
    pub file: String,
    /// `DevicesHandle::list`, `Organization`, `non_empty`.
    pub item: String,
}

struct Indexed {
    site: Site,
    idents: BTreeSet<String>,
}

/// The library's hand-written code, indexed by the identifiers each item names.
#[derive(Default)]
pub struct Usage {
    items: Vec<Indexed>,
    /// `type A = ...;` anywhere: A, with the identifiers of its definition.
    type_aliases: Vec<(String, BTreeSet<String>)>,
    /// `use path::X as A;` per file: (file, A, X).
    renames: Vec<(String, String, String)>,
}

impl Usage {
    /// Index `root/src/lib.rs` and the modules it declares. A library that is not there, or a
    /// file that does not parse, gives an index with what could be read (possibly nothing).
    pub fn scan(root: &Path) -> Usage {
        let mut usage = Usage::default();
        let mut pending = vec![root.join("src/lib.rs")];
        let mut seen = BTreeSet::new();
        while let Some(path) = pending.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(file) = syn::parse_file(&text) else {
                continue;
            };
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let dir = module_dir(&path);
            usage.index_items(&rel, &dir, &file.items, &mut pending);
        }
        usage
    }

    fn index_items(
        &mut self,
        file: &str,
        dir: &Path,
        items: &[syn::Item],
        pending: &mut Vec<PathBuf>,
    ) {
        for item in items {
            if is_test_only(item_attrs(item)) {
                continue;
            }
            match item {
                syn::Item::Mod(m) => match &m.content {
                    Some((_, inner)) => {
                        let dir = dir.join(m.ident.to_string());
                        self.index_items(file, &dir, inner, pending);
                    }
                    None => pending.extend(module_file(dir, m)),
                },
                syn::Item::Fn(f) => self.add(file, f.sig.ident.to_string(), |v| v.visit_item_fn(f)),
                syn::Item::Impl(block) => {
                    let owner = type_name(&block.self_ty);
                    for member in &block.items {
                        if let syn::ImplItem::Fn(f) = member {
                            self.add(file, format!("{owner}::{}", f.sig.ident), |v| {
                                v.visit_impl_item_fn(f);
                                // The impl's header (`impl FromGenerated<Generated> for Device`).
                                v.visit_type(&block.self_ty);
                                if let Some((path, _)) = &block.trait_ {
                                    v.visit_path(path);
                                }
                            });
                        }
                    }
                }
                syn::Item::Type(t) => {
                    let mut names = Names::default();
                    names.visit_type(&t.ty);
                    self.type_aliases.push((t.ident.to_string(), names.0));
                    self.add(file, t.ident.to_string(), |v| v.visit_item_type(t));
                }
                syn::Item::Struct(s) => {
                    self.add(file, s.ident.to_string(), |v| v.visit_item_struct(s))
                }
                syn::Item::Enum(e) => self.add(file, e.ident.to_string(), |v| v.visit_item_enum(e)),
                syn::Item::Use(u) => collect_renames(file, &u.tree, &mut self.renames),
                _ => {}
            }
        }
    }

    fn add(&mut self, file: &str, item: String, visit: impl FnOnce(&mut Names)) {
        let mut names = Names::default();
        visit(&mut names);
        self.items.push(Indexed {
            site: Site {
                file: file.to_string(),
                item,
            },
            idents: names.0,
        });
    }

    /// The places that name any of `idents`, directly or through an alias of one of them.
    pub fn users_of(&self, idents: &[String]) -> Vec<Site> {
        let wanted: BTreeSet<&str> = idents.iter().map(String::as_str).collect();
        // Aliases of the wanted names, one level: global for type aliases, per file for renames.
        let global: BTreeSet<&str> = self
            .type_aliases
            .iter()
            .filter(|(_, defined_by)| defined_by.iter().any(|i| wanted.contains(i.as_str())))
            .map(|(alias, _)| alias.as_str())
            .collect();
        let mut per_file: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (file, alias, original) in &self.renames {
            if wanted.contains(original.as_str()) || global.contains(original.as_str()) {
                per_file.entry(file).or_default().insert(alias);
            }
        }
        let mut sites: Vec<Site> = self
            .items
            .iter()
            .filter(|indexed| {
                let local = per_file.get(indexed.site.file.as_str());
                indexed.idents.iter().any(|i| {
                    let i = i.as_str();
                    wanted.contains(i)
                        || global.contains(i)
                        || local.is_some_and(|names| names.contains(i))
                })
            })
            .map(|indexed| indexed.site.clone())
            .collect();
        sites.sort();
        sites.dedup();
        sites
    }
}

/// `DevicesHandle::list, DevicesHandle::list_lenient (src/resources/devices.rs); ...`, files in
/// order.
pub fn describe(sites: &[Site]) -> String {
    let mut by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for site in sites {
        by_file.entry(&site.file).or_default().push(&site.item);
    }
    by_file
        .iter()
        .map(|(file, items)| format!("{} ({file})", items.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The Rust name progenitor (typify) gives a schema: its name's parts, each capitalized
/// (`server.OrganizationDeviceResponse` is `ServerOrganizationDeviceResponse`). The caller checks
/// that the generated code has it, since typify's rules are richer than this.
pub fn type_name_of_schema(schema: &str) -> String {
    schema
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Every identifier an item names.
#[derive(Default)]
struct Names(BTreeSet<String>);

impl<'ast> Visit<'ast> for Names {
    fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
        self.0.insert(ident.to_string());
    }
}

fn collect_renames(file: &str, tree: &syn::UseTree, out: &mut Vec<(String, String, String)>) {
    match tree {
        syn::UseTree::Path(p) => collect_renames(file, &p.tree, out),
        syn::UseTree::Rename(r) => {
            out.push((file.to_string(), r.rename.to_string(), r.ident.to_string()))
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                collect_renames(file, tree, out);
            }
        }
        syn::UseTree::Name(_) | syn::UseTree::Glob(_) => {}
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Type(t) => &t.attrs,
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Use(u) => &u.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]` (tests are not the API a change touches).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// Where the modules a file declares live: next to `lib.rs` and `mod.rs`, else in a folder named
/// after the file.
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new("")).to_path_buf();
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("lib" | "mod" | "main") => parent,
        Some(stem) => parent.join(stem),
        None => parent,
    }
}

/// The file of `mod name;`: its `#[path]`, else `name.rs`, else `name/mod.rs`.
fn module_file(dir: &Path, m: &syn::ItemMod) -> Option<PathBuf> {
    for attr in &m.attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if nv.path.is_ident("path") {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    return Some(dir.join(s.value()));
                }
            }
        }
    }
    let name = m.ident.to_string();
    [
        dir.join(format!("{name}.rs")),
        dir.join(&name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.exists())
}

/// The last segment of a type's path (`DevicesHandle` of `DevicesHandle<'a>`).
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "_".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn finds_calls_types_and_aliases_across_modules_but_not_tests() {
        let lib = library(&[
            (
                "src/lib.rs",
                "mod resources; #[cfg(test)] mod tests; pub type Organization = api::types::ServerOrganizationsResponse;",
            ),
            (
                "src/resources/mod.rs",
                "mod devices;\nimpl Element for Organization { fn id_of() {} }\nfn unrelated() {}",
            ),
            (
                "src/resources/devices.rs",
                "use crate::api::types::ServerOrganizationDeviceResponse as Generated;\n\
                 impl<'a> DevicesHandle<'a> { pub async fn list(&self) { self.client.raw().get_v2_organization_devices().send() } }\n\
                 impl FromGenerated<Generated> for Device { fn from_generated(v: Generated) {} }\n\
                 mod inner { pub fn also(x: GetV2OrganizationDevices) {} }",
            ),
            ("src/tests.rs", "fn t() { get_v2_organization_devices() }"),
        ]);
        let usage = Usage::scan(lib.path());
        let users = |idents: &[&str]| {
            describe(&usage.users_of(&idents.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        };
        assert_eq!(
            users(&["get_v2_organization_devices", "GetV2OrganizationDevices"]),
            "DevicesHandle::list, also (src/resources/devices.rs)"
        );
        assert_eq!(
            users(&["ServerOrganizationDeviceResponse"]),
            "Device::from_generated (src/resources/devices.rs)"
        );
        assert_eq!(
            users(&["ServerOrganizationsResponse"]),
            "Organization (src/lib.rs); Organization::id_of (src/resources/mod.rs)"
        );
        assert_eq!(users(&["Nothing"]), "");
        assert_eq!(
            describe(&Usage::scan(Path::new("/nonexistent")).users_of(&["x".into()])),
            ""
        );
    }

    #[test]
    fn schema_names_become_progenitors_type_names() {
        assert_eq!(
            type_name_of_schema("server.OrganizationDeviceResponse"),
            "ServerOrganizationDeviceResponse"
        );
        assert_eq!(type_name_of_schema("db.account_plan"), "DbAccountPlan");
    }
}
