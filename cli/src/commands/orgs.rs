//! `orb orgs`: the organizations the key can see.

use crate::context::Context;
use crate::error::CliError;
use crate::output::{shown, Table};

pub(crate) async fn run(ctx: &Context) -> Result<(), CliError> {
    let orgs = ctx.organizations().await?;
    if ctx.out.json {
        ctx.out.json_lines(&orgs);
        return Ok(());
    }
    let mut table = Table::new(&["ORGANIZATION ID", "NAME", "DESCRIPTION"]);
    for org in &orgs {
        table.row(vec![
            shown(org.organization_id.as_deref().unwrap_or_default()),
            shown(org.name.as_deref().unwrap_or_default()),
            shown(org.description.as_deref().unwrap_or_default()),
        ]);
    }
    table.print(&ctx.out);
    Ok(())
}
