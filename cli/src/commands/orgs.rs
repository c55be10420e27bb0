//! `orb orgs`: the organizations the key can see.

use orb_cloud::Organization;
use serde_json::json;

use crate::columns::{self, Column};
use crate::context::Context;
use crate::error::CliError;

/// The columns of an organization listing, in every format.
const COLUMNS: &[Column<Organization>] = &[
    Column {
        name: "organization_id",
        header: "ORGANIZATION ID",
        right: false,
        value: |o| json!(o.organization_id),
        cell: None,
    },
    Column {
        name: "name",
        header: "NAME",
        right: false,
        value: |o| json!(o.name),
        cell: None,
    },
    Column {
        name: "description",
        header: "DESCRIPTION",
        right: false,
        value: |o| json!(o.description),
        cell: None,
    },
];

pub(crate) async fn run(ctx: &Context) -> Result<(), CliError> {
    let orgs = ctx.organizations().await?;
    columns::print(&ctx.out, &orgs, COLUMNS, ctx.fields.as_deref())
}
