//! A [`Device`] from the generated `server.OrganizationDeviceResponse`: the conversion names
//! every generated field a device is made of, with the type it has in the spec, so a property
//! retyped or renamed upstream stops the build here instead of decoding wrongly.
//!
//! Listings do not go through it (they decode straight into [`Device`]s); it ties the two types
//! together, and converts what [`crate::OrbCloud::raw`] returns.

use crate::api::types::{
    ServerOrganizationDeviceResponse as Generated,
    ServerOrganizationDeviceResponseIsConnectedUpdatedAt as UpdatedAt,
};
use crate::endpoint::FromGenerated;
use crate::timestamp::Timestamp;
use crate::wire_quirks;

use super::Device;

/// The text of a converted value is the generated value encoded again (listings capture the
/// text Orb sent instead: see [`crate::WithJson`]).
impl FromGenerated<Generated> for crate::WithJson<Device> {
    fn from_generated(value: Generated) -> Result<Self, serde_json::Error> {
        let json = serde_json::to_string(&value)?;
        Ok(Self {
            value: Device::from_generated(value)?,
            json,
        })
    }
}

impl FromGenerated<Generated> for Device {
    fn from_generated(value: Generated) -> Result<Self, serde_json::Error> {
        let Generated {
            can_notify,
            config,
            configuration_id,
            has_local_config_override,
            has_stale_config,
            is_connected,
            is_connected_updated_at,
            links,
            name,
            orb_id,
            relationship,
            summary,
            tags,
        } = value;
        let is_connected: Option<i64> = is_connected;
        let is_connected_updated_at = match is_connected_updated_at {
            Some(UpdatedAt::Int64(ms)) => Some(Timestamp::from_millis(ms)),
            Some(UpdatedAt::String(text)) => Timestamp::parse_str(&text),
            None => None,
        };
        Ok(Device {
            orb_id: orb_id.unwrap_or_default(),
            name: name.unwrap_or_default(),
            connected: is_connected.map(|v| v != 0),
            is_connected_updated_at,
            // Not in the generated schema; Orb's own client reads it.
            created_ts: None,
            summary: summary
                .map(|map| serde_json::from_value(serde_json::Value::Object(map)))
                .transpose()?,
            tags: wire_quirks::tags(tags.unwrap_or(serde_json::Value::Null))?,
            config: config
                .map(|map| serde_json::from_value(serde_json::Value::Object(map)))
                .transpose()?
                .unwrap_or_default(),
            configuration_id,
            relationship,
            can_notify,
            has_local_config_override,
            has_stale_config,
            links: links.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both shapes Orb is known to send (see spec/README.md): converting the generated type gives
    /// what decoding straight into a Device gives.
    #[test]
    fn the_generated_type_converts_to_what_decoding_gives() {
        let shapes = [
            // The generated schema's shape.
            r#"{"orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy", "is_connected": 1,
                "is_connected_updated_at": "2025-09-08T21:55:00Z", "tags": {"dt": "x"},
                "config": {"datasets.push": ["scores_1m", "url=http://h/"]},
                "configuration_id": "c1", "relationship": "owner", "can_notify": true,
                "has_local_config_override": false, "has_stale_config": true,
                "links": [{"relationship": "shared", "expiration_ts": 5}],
                "summary": {"version": "0.1.0", "orb_score": {"display": 91, "score": 0.83,
                    "components": {"bandwidth_score": {"display": 80}}}}}"#,
            // The shape Orb's own client parses.
            r#"{"orb_id": "b", "name": "n", "is_connected": 0,
                "is_connected_updated_at": 1757368500851, "tags": ["dt=Default Configuration"],
                "config": {"datasets.api": ["port=7080"]}, "links": null,
                "summary": {"created_ts": 1757368500851, "orb_scores": [{"display": 3}]}}"#,
        ];
        for text in shapes {
            let decoded = Device::from_json(text).unwrap();
            let generated: Generated = serde_json::from_str(text).unwrap();
            assert_eq!(
                Device::from_generated(generated).unwrap(),
                decoded,
                "{text}"
            );
        }
    }
}
